'use strict';
// WebAssembly.Table (JS API §5.4); the engine side is src/api/table.rs.
const native = require('./native');
const { ADOPT, requireArgs, isObject, finishInterface } = require('./webidl');
const { toWasmValue, defaultValue, addressValue, readLimits } = require('./values');

const ELEMENT_LIMIT = 10000000;

let brand;
let isTable;

/** The element type of a table, as lib/values.js names value types. */
const elementOf = (table) => (native.tableElement(table) === 'externref' ? 'externref' : 'funcref');

/** An omitted value is the element type's default; an explicit undefined is converted. */
const elementValue = (type, present, value) => (present ? toWasmValue(type, value) : defaultValue(type));

class Table {
  #address = 'i32';

  constructor(descriptor, value) {
    if (descriptor === ADOPT) return;
    const context = 'WebAssembly.Table()';
    requireArgs(arguments.length, 1, context);
    if (!isObject(descriptor)) throw new TypeError(`${context}: Argument 0 must be a table descriptor`);
    // The spec's tests read `element` before `address`.
    const kind = descriptor.element;
    const element = kind === undefined ? undefined : `${kind}`;
    if (element !== 'anyfunc' && element !== 'funcref' && element !== 'externref') {
      throw new TypeError(`${context}: Descriptor property 'element' must be a WebAssembly reference type`);
    }
    const { address, initial, maximum } = readLimits(descriptor, context);
    if (initial > ELEMENT_LIMIT) throw new RangeError(`${context}: Property 'initial': value ${initial} is above the upper bound ${ELEMENT_LIMIT}`);
    if (maximum !== undefined && maximum < initial) {
      throw new RangeError(`${context}: Property 'maximum': value ${maximum} is below the lower bound ${initial}`);
    }
    const type = element === 'externref' ? 'externref' : 'funcref';
    const init = elementValue(type, arguments.length > 1, value);
    this.#address = address;
    const max = maximum === undefined || maximum > 0xffffffff ? undefined : Number(maximum);
    native.tableNew(this, type, Number(initial), max, init);
  }

  get length() {
    brand(this);
    const n = native.tableLength(this);
    return this.#address === 'i64' ? BigInt(n) : n;
  }

  grow(delta, value = undefined) {
    brand(this);
    const context = 'WebAssembly.Table.grow()';
    requireArgs(arguments.length, 1, context);
    const n = addressValue(delta, this.#address, context, 'Argument 0');
    const init = elementValue(elementOf(this), arguments.length > 1, value);
    if (n > ELEMENT_LIMIT - native.tableLength(this)) throw new RangeError(`${context}: failed to grow table by ${n}`);
    const old = native.tableGrow(this, Number(n), init);
    return this.#address === 'i64' ? BigInt(old) : old;
  }

  get(index) {
    brand(this);
    const context = 'WebAssembly.Table.get()';
    requireArgs(arguments.length, 1, context);
    const i = addressValue(index, this.#address, context, 'Argument 0');
    if (i > 0xffffffff) throw new RangeError(`${context}: invalid address ${i}`);
    return native.tableGet(this, Number(i));
  }

  set(index, value = undefined) {
    brand(this);
    const context = 'WebAssembly.Table.set()';
    requireArgs(arguments.length, 1, context);
    const i = addressValue(index, this.#address, context, 'Argument 0');
    const init = elementValue(elementOf(this), arguments.length > 1, value);
    if (i > 0xffffffff) throw new RangeError(`${context}: invalid address ${i}`);
    native.tableSet(this, Number(i), init);
  }

  static {
    brand = (v) => {
      if (!isObject(v) || !(#address in v)) throw new TypeError('Receiver is not a WebAssembly.Table');
    };
    isTable = (v) => isObject(v) && #address in v;
  }
}

const makeTable = () => new Table(ADOPT);

finishInterface(Table, { length: 1, tag: 'WebAssembly.Table', operations: ['grow', 'get', 'set'], attributes: ['length'] });

module.exports = { Table, makeTable, isTable: (v) => isTable(v) };
