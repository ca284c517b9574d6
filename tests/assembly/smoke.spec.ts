import { f32_act_forward__simd } from "../../assembly/activation";
let cursor = -1;
const vals: i32[] = [];
describe("smoke", () => {
  beforeAll(() => { cursor = -1; });
  beforeEach(() => { cursor++; });
  for (let i = 0; i < 3; i++) {
    vals.push(i * 10);
    test("case " + i.toString(), () => {
      const p = heap.alloc(64);
      store<f32>(p, -1.5); store<f32>(p, 2.5, 4);
      f32_act_forward__simd(p, p, 2, 1);
      expect<f32>(load<f32>(p)).toBe(0);
      expect<i32>(vals[cursor]).toBe(cursor * 10, "cursor " + cursor.toString());
      log<i32>(vals[cursor]);
      heap.free(p);
    });
  }
  test("fails", () => { expect<f32>(1.0).toBe(2.0, "A[r=1,o=2] relu"); });
});
