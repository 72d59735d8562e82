// The sizes of gemm.ts's blocks and register tiles, shared by gemm.ts and sparse.ts (AssemblyScript; see gemm.ts).

export const MR: i32 = 4; //    rows of the C tile kept in registers
export const NR: i32 = 8; //    columns of the C tile (two f32x4 registers per row)
export const KC: i32 = 256; //  depth of a packed block:            B panel KC×NR = 8 KB stays in L1
export const MC: i32 = 128; //  rows of a packed block of A:        MC×KC = 128 KB stays in L2
export const NC: i32 = 1024; // columns of a packed block of B:     KC×NC = 1 MB stays in L3

export const PANELS: i32 = MC / MR; // panels of packed A

/**
 * Bytes from one packed panel of B to the next: KC·NR floats, whatever the depth kc of the block (a panel of a shorter
 * block leaves the rest unused), so that the kernels reach a row of several panels from one address with constant
 * offsets (one address computation a step instead of one per panel). sparse.ts writes 8192 where it needs the number.
 */
export const PANEL_BYTES: usize = KC * NR * 4;

/** Entries (u16) of one list of non-zero p: up to KC, and room for the last 4 written at once. */
export const LIST: i32 = KC + 4;

/** Panels of B (of NR columns) the row kernel of sparse.ts covers at once. */
export const RP: i32 = 3;

@inline
export function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2); // 4 bytes per float32
}
