// The demo vendor's logo, drawn in code: a small transparent PNG (a white ring and three rising
// bars) that reads on the demo accent colour. Also the PNG the brand tests upload.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA PNG of `width` x `height` whose pixel (x, y) is `paint(x, y)` ([r, g, b, a]). */
export function encodePng(width: number, height: number, paint: (x: number, y: number) => [number, number, number, number]) {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    rows[row] = 0; // filter: none
    for (let x = 0; x < width; x++) rows.set(paint(x, y), row + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** The demo logo: 144 x 48, white on transparent. */
export function demoLogoPng() {
  const white: [number, number, number, number] = [255, 255, 255, 255];
  const clear: [number, number, number, number] = [0, 0, 0, 0];
  return encodePng(144, 48, (x, y) => {
    const d = Math.hypot(x - 24, y - 24);
    if (d <= 18 && d >= 12) return white;
    // Three bars rising left to right, bottoms aligned at y = 42.
    const bars = [
      [52, 66, 26],
      [74, 88, 16],
      [96, 110, 6],
    ];
    if (bars.some(([from, to, top]) => x >= from && x < to && y >= top && y < 42)) return white;
    if (x >= 118 && x < 140 && y >= 38 && y < 42) return white;
    return clear;
  });
}
