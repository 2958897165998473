'use strict';
// WebAssembly.Memory (JS API §5.3); the engine side is src/api/memory.rs.
const native = require('./native');
const { ADOPT, requireArgs, isObject, finishInterface } = require('./webidl');
const { addressValue, readLimits } = require('./values');

const PAGE_LIMIT = 65536;

let brand;
let isMemory;

class Memory {
  #address = 'i32';

  constructor(descriptor) {
    if (descriptor === ADOPT) return;
    const context = 'WebAssembly.Memory()';
    requireArgs(arguments.length, 1, context);
    if (!isObject(descriptor)) throw new TypeError(`${context}: Argument 0 must be a memory descriptor`);
    // Dictionary members are read and converted in lexicographic order.
    const { address, initial, maximum } = readLimits(descriptor, context);
    const shared = Boolean(descriptor.shared);
    if (initial > PAGE_LIMIT) throw new RangeError(`${context}: Property 'initial': value ${initial} is above the upper bound ${PAGE_LIMIT}`);
    if (maximum !== undefined && maximum > PAGE_LIMIT) {
      throw new RangeError(`${context}: Property 'maximum': value ${maximum} is above the upper bound ${PAGE_LIMIT}`);
    }
    if (maximum !== undefined && maximum < initial) {
      throw new RangeError(`${context}: Property 'maximum': value ${maximum} is below the lower bound ${initial}`);
    }
    if (shared && maximum === undefined) throw new TypeError(`${context}: Property 'maximum' is required for a shared memory`);
    this.#address = address;
    native.memoryNew(this, Number(initial), maximum === undefined ? undefined : Number(maximum), shared);
  }

  grow(delta) {
    brand(this);
    const context = 'WebAssembly.Memory.grow()';
    requireArgs(arguments.length, 1, context);
    const pages = addressValue(delta, this.#address, context, 'Argument 0');
    if (pages > PAGE_LIMIT) throw new RangeError(`${context}: Maximum memory size exceeded`);
    const old = native.memoryGrow(this, Number(pages));
    return this.#address === 'i64' ? BigInt(old) : old;
  }

  get buffer() {
    brand(this);
    return native.memoryBuffer(this);
  }

  static {
    brand = (v) => {
      if (!isObject(v) || !(#address in v)) throw new TypeError('Receiver is not a WebAssembly.Memory');
    };
    isMemory = (v) => isObject(v) && #address in v;
  }
}

const makeMemory = () => new Memory(ADOPT);

finishInterface(Memory, { length: 1, tag: 'WebAssembly.Memory', operations: ['grow'], attributes: ['buffer'] });

module.exports = { Memory, makeMemory, isMemory: (v) => isMemory(v) };
