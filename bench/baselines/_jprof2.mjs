import { init, defaultDevice, jit, valueAndGrad, nn, numpy as np, tree } from '@jax-js/jax';
await init('wasm'); defaultDevice('wasm');
const bs=64, nIn=784, nH=128, nO=10;
const rnd=(n)=>Float32Array.from({length:n},()=>Math.random()*0.1-0.05);
const X=Float32Array.from({length:bs*nIn},()=>Math.random());
const Y=new Float32Array(bs*nO); for(let i=0;i<bs;i++) Y[i*nO+(i%10)]=1;
function fwd(params,x){ let h=x; for(let l=0;l<params.length;l++){ const {w,b}=params[l]; const z=np.matmul(h, w.transpose()).add(b); h=l<params.length-1?nn.relu(z):z;} return h; }
const loss=(p,x,y)=>nn.logSoftmax(fwd(p,x),-1).mul(y).sum().mul(-1/x.shape[0]);
const vg=valueAndGrad(loss);
const step = jit((p,ls,x,y)=>{ const [l,g]=vg(tree.ref(p),x,y); return [p.map((q,i)=>({w:q.w.sub(g[i].w.mul(0.1)), b:q.b.sub(g[i].b.mul(0.1))})), ls.add(l)]; });
let p = [ {w: np.array(rnd(nH*nIn),{shape:[nH,nIn]}), b: np.array(rnd(nH),{shape:[nH]})}, {w: np.array(rnd(nO*nH),{shape:[nO,nH]}), b: np.array(rnd(nO),{shape:[nO]})}];
let ls = np.zeros([]);
let t=performance.now();
for (let s=1;s<=(+process.env.STEPS||1500);s++){
  const xa=np.array(X,{shape:[bs,nIn]}), ya=np.array(Y,{shape:[bs,nO]});
  [p, ls] = step(p, ls, xa, ya);
  const SY=+process.env.SYNC||0; if (SY && s%SY===0) { if (process.env.BUR) await ls.ref.blockUntilReady(), ls.dispose?.call; else ls.ref.dataSync(); }
  if (s%100===0){ ls.ref.dataSync(); const n=performance.now(); console.log(s, ((n-t)/100).toFixed(2),'ms/step', (process.memoryUsage().rss/2**20).toFixed(0)+'MB'); t=n; }
}
