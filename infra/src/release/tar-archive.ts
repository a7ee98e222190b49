/**
 * Pure: files → a POSIX ustar archive. Written here rather than calling `tar` so the bytes depend only on the files
 * (names, modes, one fixed mtime, uid/gid 0): the same commit builds the same release on any machine, and pushing
 * it again uploads nothing.
 */

export interface TarEntry {
  /** Relative path; directories end with "/". At most 100 bytes (no ustar prefix field needed for a bundle). */
  readonly path: string;
  /** Permission bits, e.g. 0o755. */
  readonly mode: number;
  /** Absent for a directory. */
  readonly content?: Uint8Array;
}

const BLOCK = 512;

export function tarArchive(entries: readonly TarEntry[], mtimeSeconds: number): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.content ?? new Uint8Array(0);
    blocks.push(header(entry, content.byteLength, mtimeSeconds));
    if (content.byteLength > 0) {
      blocks.push(Buffer.from(content), Buffer.alloc((BLOCK - (content.byteLength % BLOCK)) % BLOCK));
    }
  }
  // Two zero blocks end the archive.
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

function header(entry: TarEntry, size: number, mtimeSeconds: number): Buffer {
  const directory = entry.path.endsWith('/');
  if (Buffer.byteLength(entry.path) > 100 || entry.path.startsWith('/') || entry.path.split('/').includes('..')) {
    throw new RangeError(`tar entry path must be relative, without "..", at most 100 bytes: "${entry.path}"`);
  }
  if (directory && entry.content !== undefined) throw new RangeError(`tar entry "${entry.path}" is a directory with content`);
  const block = Buffer.alloc(BLOCK);
  block.write(entry.path, 0, 'utf8');
  octal(block, 100, 8, entry.mode & 0o7777);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, directory ? 0 : size);
  octal(block, 136, 12, mtimeSeconds);
  block.write(directory ? '5' : '0', 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  // The checksum is computed with its own field as eight spaces.
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
  return block;
}

/** `value` as zero-padded octal in a `width`-byte field ending in NUL. */
function octal(block: Buffer, offset: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new RangeError(`tar field at ${offset} cannot hold ${value}`);
  block.write(text + '\u0000', offset, 'latin1');
}
