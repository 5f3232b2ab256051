/**
 * A permutohedral lattice (Adams, Baek & Davis 2010) built over N points with d features, in
 * the form densecrf v2 (and so pydensecrf) uses it for high-dimensional Gaussian filtering.
 *
 * Every point lies in one simplex of the lattice; it is tied to that simplex's d+1 vertices
 * with barycentric weights. Vertex rows are numbered from 1; row 0 stands for "no vertex"
 * (a missing blur neighbour) and always holds zeros, which removes a branch from the blur.
 */
export interface PermutohedralLattice {
  /** Number of features per point. */
  readonly d: number;
  /** Number of points. */
  readonly n: number;
  /** Number of lattice vertices. */
  readonly m: number;
  /** `offsets[i*(d+1)+r]`: vertex row (id + 1) of point i's r-th simplex corner. */
  readonly offsets: Int32Array;
  /** `weights[i*(d+1)+r]`: point i's barycentric weight on that corner. */
  readonly weights: Float32Array;
  /** `neighbors[(j*m+v)*2 + 0|1]`: rows of vertex v's two neighbours along lattice axis j (0 = none). */
  readonly neighbors: Int32Array;
  /** densecrf's slice constant 1/(1+2^-d). */
  readonly alpha: number;
}
