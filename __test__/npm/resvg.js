// Rust (wasm-bindgen): resvg renders an SVG (gradients, paths, a blur filter) to a PNG.
const fs = require('fs');
const crypto = require('crypto');
const { initWasm, Resvg } = require('@resvg/resvg-wasm');

const circles = Array.from({ length: 60 }, (_, i) => {
  const a = i * 0.7;
  return `<circle cx="${(256 + Math.cos(a) * i * 3.5).toFixed(2)}" cy="${(256 + Math.sin(a) * i * 3.5).toFixed(2)}" r="${4 + (i % 9)}" fill="hsl(${(i * 37) % 360}, 70%, 55%)" fill-opacity="0.8"/>`;
}).join('');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1e3a8a"/><stop offset="1" stop-color="#f472b6"/></linearGradient>
    <radialGradient id="sun"><stop offset="0" stop-color="#fff7ae"/><stop offset="1" stop-color="#f59e0b" stop-opacity="0"/></radialGradient>
    <filter id="blur"><feGaussianBlur stdDeviation="6"/></filter>
  </defs>
  <rect width="512" height="512" fill="url(#bg)"/>
  <circle cx="380" cy="120" r="90" fill="url(#sun)" filter="url(#blur)"/>
  <path d="M0 400 C 120 300, 200 480, 320 380 S 480 300, 512 360 L 512 512 L 0 512 Z" fill="#0f172a" stroke="#e2e8f0" stroke-width="3"/>
  <g transform="rotate(15 256 256)">${circles}</g>
</svg>`;

initWasm(fs.readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm'))).then(() => {
  for (const width of [256, 1024]) {
    const image = new Resvg(svg, { fitTo: { mode: 'width', value: width }, background: 'white' }).render();
    const png = image.asPng();
    console.log(image.width, image.height, png.length, crypto.createHash('sha256').update(png).digest('hex'));
  }
});
