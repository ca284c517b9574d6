import { init, defaultDevice, jit, valueAndGrad, nn, numpy as np, tree } from '@jax-js/jax';
await init('wasm'); defaultDevice('wasm');
const bs=64, nIn=784, nH=128, nO=10;
const rnd=(n)=>Float32Array.from({length:n},()=>Math.random()*0.1-0.05);
const X=Float32Array.from({length:bs*nIn},()=>Math.random());
const Y=new Float32Array(bs*nO); for(let i=0;i<bs;i++) Y[i*nO+(i%10)]=1;
function run(name, transposed, fn, steps=100){
  let p = [
    {w: np.array(rnd(nH*nIn),{shape: transposed?[nIn,nH]:[nH,nIn]}), b: np.array(rnd(nH),{shape:[nH]})},
    {w: np.array(rnd(nO*nH),{shape: transposed?[nH,nO]:[nO,nH]}), b: np.array(rnd(nO),{shape:[nO]})}];
  let ls = np.zeros([]);
  for (let s=0;s<steps+5;s++){
    if(s===5){ ls.ref.dataSync(); var t=performance.now(); }
    const xa=np.array(X,{shape:[bs,nIn]}), ya=np.array(Y,{shape:[bs,nO]});
    [p, ls] = fn(p, ls, xa, ya);
  }
  ls.dataSync();
  const dt=(performance.now()-t)/steps;
  console.log(name, dt.toFixed(2),'ms/step', (bs/dt*1000).toFixed(0),'samples/s');
  tree.dispose(p);
}
function fwd(tr){ return (params,x)=>{ let h=x; for(let l=0;l<params.length;l++){ const {w,b}=params[l]; const z=np.matmul(h, tr?w:w.transpose()).add(b); h=l<params.length-1?nn.relu(z):z;} return h; }; }
function mk(tr){ const f=fwd(tr); const loss=(p,x,y)=>nn.logSoftmax(f(p,x),-1).mul(y).sum().mul(-1/x.shape[0]);
  const vg=valueAndGrad(loss);
  return jit((p,ls,x,y)=>{ const [l,g]=vg(tree.ref(p),x,y); return [p.map((q,i)=>({w:q.w.sub(g[i].w.mul(0.1)), b:q.b.sub(g[i].b.mul(0.1))})), ls.add(l)]; }); }
const A=mk(false), B=mk(true);
for (let r=0;r<4;r++){ run('W(out,in) jit', false, A, 300); run('W(in,out) jit', true, B, 300); }
// forward only
const fj = jit((p,ls,x,y)=>{ y.dispose(); return [p, ls.add(fwd(true)(tree.ref(p),x).sum())]; });
run('fwd only (in,out)', true, fj);
