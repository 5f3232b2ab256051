// Files written by the reference implementations (NumPy 2.4, SciPy 1.17), embedded as base64.
import { describe, expect, it } from 'vitest';
import { readMat, readNpy, readNpz, readSbdLabel } from '../src/index';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/** scipy.io.savemat({'GTinst': {Segmentation: uint8 3x4, Boundaries: 2x1 cell of sparse logical, Categories: [15;2;7]}}, do_compression=True) */
const SCIPY_INST =
  'TUFUTEFCIDUuMCBNQVQtZmlsZSBQbGF0Zm9ybTogcG9zaXgsIENyZWF0ZWQgb246IFN1biBOb3YgMjIgMDM6NDE6NDQgMjAyNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU0PAAAAuQAAAHichVA7DsIwDH1OWj5SKQt3YOUICAYOAANrJSLoQCrRcGeOwIjTuMKqVIjy5Pj3nuMSwIuACdsZwyCdXHxSiDWHU+3bEPMZFhJfM47uenc+VKFuPHbN01+qR+1azuyr4K6NOCgZW3z15gM9y8iEFzJP0b0s8TUwacLI81Y8NOAxau6+/qzqc5NyY7q5siuMn35fkf824Ld/+AvVr/fe65HEjfSnOgsi6vQ2+L1H/f/YtzRTfAC7dRSH';
/** scipy.io.savemat({'a': [[1.5,-2],[3,4e10]], 'name': 'voc', 'c': {1, 'xy'}}, do_compression=False) */
const SCIPY_PLAIN =
  'TUFUTEFCIDUuMCBNQVQtZmlsZSBQbGF0Zm9ybTogcG9zaXgsIENyZWF0ZWQgb246IFN1biBOb3YgMjIgMDM6NDE6NDQgMjAyNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU0OAAAAUAAAAAYAAAAIAAAABgAAAAAAAAAFAAAACAAAAAIAAAACAAAAAQABAGEAAAAJAAAAIAAAAAAAAAAAAPg/AAAAAAAACEAAAAAAAAAAwAAAACBfoCJCDgAAADAAAAAGAAAACAAAAAQAAAAAAAAABQAAAAgAAAABAAAAAwAAAAEABABuYW1lEAADAHZvYwAOAAAAoAAAAAYAAAAIAAAAAQAAAAAAAAAFAAAACAAAAAEAAAACAAAAAQABAGMAAAAOAAAAOAAAAAYAAAAIAAAADgAAAAAAAAAFAAAACAAAAAEAAAABAAAAAQAAAAAAAAAMAAAACAAAAAEAAAAAAAAADgAAADAAAAAGAAAACAAAAAQAAAAAAAAABQAAAAgAAAABAAAAAgAAAAEAAAAAAAAAEAACAHh5AAA=';
/** np.savez_compressed(actv=arange(6, float32).reshape(2,3)/4, tags=int64 [3, 15]) — zip64 members, as NumPy writes them */
const NUMPY_NPZ =
  'UEsDBC0AAAAIAAAAIQAKnACk//////////8IABQAYWN0di5ucHkBABAAmAAAAAAAAABWAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CsaaOgq1CmQDLgYwaLADEvYMDA5A3ADEC+wBUEsDBC0AAAAIAAAAIQC+zLn1//////////8IABQAdGFncy5ucHkBABAAkAAAAAAAAABKAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6mjoKtQoUAC5mBgjgh9IAUEsBAi0DLQAAAAgAAAAhAAqcAKRWAAAAmAAAAAgAAAAAAAAAAAAAAIABAAAAAGFjdHYubnB5UEsBAi0DLQAAAAgAAAAhAL7MufVKAAAAkAAAAAgAAAAAAAAAAAAAAIABkAAAAHRhZ3MubnB5UEsFBgAAAAACAAIAbAAAABQBAAAAAA==';
/** np.save(np.asfortranarray(arange(6, int16).reshape(2,3) - 2)) */
const NUMPY_FORTRAN =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGkyJywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr+/wEA//8CAAAAAwA=';

describe('files from NumPy and SciPy', () => {
  it('reads an SBD-style GTinst .mat written by scipy (compressed, struct, cell of sparse)', () => {
    const label = readSbdLabel(b64(SCIPY_INST), 'x.mat');
    expect(label.kind).toBe('inst');
    expect([label.width, label.height]).toEqual([4, 3]);
    expect([...label.data]).toEqual([0, 1, 1, 2, 0, 0, 2, 2, 3, 3, 0, 0]);
    expect(label.categories).toEqual([15, 2, 7]);
    const raw = readMat(b64(SCIPY_INST)).get('GTinst')!;
    if (raw.type !== 'struct') throw new Error('not a struct');
    const b = raw.elements[0]!.Boundaries!;
    if (b.type !== 'cell') throw new Error('not a cell');
    const sparse = b.cells[1]!;
    expect(sparse.type).toBe('sparse');
    if (sparse.type !== 'sparse') return;
    // Column-major non-zeros of [[0,1,0,0],[0,0,0,0],[1,0,0,1]]: (2,0), (0,1), (2,3).
    expect([...sparse.ir]).toEqual([2, 0, 2]);
    expect([...sparse.jc]).toEqual([0, 1, 2, 2, 3]);
  });

  it('reads an uncompressed scipy .mat: doubles (column-major), char, cell', () => {
    const vars = readMat(b64(SCIPY_PLAIN));
    expect(vars.get('a')).toMatchObject({ type: 'numeric', class: 'double', dims: [2, 2] });
    expect([...(vars.get('a') as { real: Float64Array }).real]).toEqual([1.5, 3, -2, 4e10]);
    expect(vars.get('name')).toMatchObject({ type: 'char', text: 'voc' });
    const c = vars.get('c');
    expect(c?.type).toBe('cell');
    if (c?.type === 'cell') {
      expect(c.cells[0]).toMatchObject({ type: 'numeric', real: new Float64Array([1]) });
      expect(c.cells[1]).toMatchObject({ type: 'char', text: 'xy' });
    }
  });

  it('reads NumPy savez_compressed (zip64 members) and Fortran-order .npy', () => {
    const arrays = readNpz(b64(NUMPY_NPZ));
    expect(arrays.get('actv')).toMatchObject({ shape: [2, 3], dtype: 'float32' });
    expect([...arrays.get('actv')!.data]).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect([...arrays.get('tags')!.data]).toEqual([3n, 15n]);
    const f = readNpy(b64(NUMPY_FORTRAN));
    expect(f).toMatchObject({ shape: [2, 3], dtype: 'int16' });
    expect([...f.data]).toEqual([-2, -1, 0, 1, 2, 3]);
  });
});
