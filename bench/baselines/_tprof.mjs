import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module'; import path from 'node:path';
const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))+path.sep);
const be = process.argv[2]||'wasm'; await tf.setBackend(be); await tf.ready();
const bs=64,nIn=784,nH=128,nO=10,N=2048;
const xAll=tf.randomUniform([N,nIn]); const yAll=tf.oneHot(tf.randomUniform([N],0,10,'int32'),nO).toFloat();
const lr=tf.scalar(0.1);
function mkVars(tr){ return [tf.variable(tf.randomNormal(tr?[nIn,nH]:[nH,nIn],0,0.05)), tf.variable(tf.zeros([nH])), tf.variable(tf.randomNormal(tr?[nH,nO]:[nO,nH],0,0.1)), tf.variable(tf.zeros([nO]))]; }
const fwd=(v,x,tr)=>{ const h=tf.relu(tf.add(tf.matMul(x,v[0],false,!tr),v[1])); return tf.add(tf.matMul(h,v[2],false,!tr),v[3]); };
const opt=tf.train.sgd(0.1);
const dense = tf.customGrad((h, W, b, save) => { save([h, W]); return { value: tf.add(tf.matMul(h, tf.transpose(W)), b), gradFunc: (dz, [h, W]) => [tf.matMul(dz, W), tf.matMul(tf.transpose(dz), h), tf.sum(dz, 0)] }; });
const fwdC=(v,x)=>{ const h=tf.relu(dense(x,v[0],v[1])); return dense(h,v[2],v[3]); };
const variants = {
  vg_T: (v,idx)=>tf.tidy(()=>{ const xb=tf.gather(xAll,idx), yb=tf.gather(yAll,idx); const {value,grads}=tf.variableGrads(()=>tf.losses.softmaxCrossEntropy(yb,fwd(v,xb,false)),v); for(const q of v) q.assign(tf.sub(q,tf.mul(grads[q.name],lr))); return value; }),
  vg_noT: (v,idx)=>tf.tidy(()=>{ const xb=tf.gather(xAll,idx), yb=tf.gather(yAll,idx); const {value,grads}=tf.variableGrads(()=>tf.losses.softmaxCrossEntropy(yb,fwd(v,xb,true)),v); for(const q of v) q.assign(tf.sub(q,tf.mul(grads[q.name],lr))); return value; }),
  cg: (v,idx)=>tf.tidy(()=>{ const xb=tf.gather(xAll,idx), yb=tf.gather(yAll,idx); const {value,grads}=tf.variableGrads(()=>tf.losses.softmaxCrossEntropy(yb,fwdC(v,xb)),v); for(const q of v) q.assign(tf.sub(q,tf.mul(grads[q.name],lr))); return value; }),
  min_T: (v,idx)=>tf.tidy(()=>{ const xb=tf.gather(xAll,idx), yb=tf.gather(yAll,idx); return opt.minimize(()=>tf.losses.softmaxCrossEntropy(yb,fwd(v,xb,false)),true,v); }),
  vg_T_fwdonly: (v,idx)=>tf.tidy(()=>{ const xb=tf.gather(xAll,idx), yb=tf.gather(yAll,idx); return tf.losses.softmaxCrossEntropy(yb,fwd(v,xb,false)); }),
};
const S=+(process.argv[3]||200);
for (let r=0;r<(+process.argv[4]||2);r++) for (const [name,fn] of Object.entries(variants)) {
  const v=mkVars(name.includes('noT'));
  for(let s=0;s<5;s++){ const idx=tf.tensor1d(Int32Array.from({length:bs},(_,i)=>(s*bs+i)%N),'int32'); fn(v,idx).dispose(); idx.dispose(); }
  const t=performance.now();
  for(let s=0;s<S;s++){ const idx=tf.tensor1d(Int32Array.from({length:bs},(_,i)=>(s*bs+i)%N),'int32'); const l=fn(v,idx); idx.dispose(); if(s===S-1) l.dataSync(); l.dispose(); }
  const dt=(performance.now()-t)/S; console.log(be, name, dt.toFixed(2),'ms/step', (bs/dt*1000).toFixed(0),'samples/s');
  v.forEach(q=>q.dispose());
}
