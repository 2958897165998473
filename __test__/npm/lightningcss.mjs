// Rust (wasm-bindgen), ES module, a 15.8 MB module: lightningcss minifies CSS.
import init, { transform } from 'lightningcss-wasm';
await init();
const { code } = transform({ filename: 'a.css', code: new TextEncoder().encode('.a { color: #ff0000; margin: 0px 0px; } .b:hover { transform: translateX(10px) }'), minify: true, targets: { chrome: 80 << 16 } });
console.log(new TextDecoder().decode(code));
