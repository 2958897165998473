// Emscripten (C++), ES module with top-level await: Yoga computes flexbox layouts.
import crypto from 'node:crypto';
import Yoga, { Align, Direction, Edge, FlexDirection, Gutter, Justify, Wrap } from 'yoga-layout';

const root = Yoga.Node.create();
root.setFlexDirection(FlexDirection.Column);
root.setPadding(Edge.All, 8);
const header = Yoga.Node.create();
header.setHeight(48);
header.setJustifyContent(Justify.SpaceBetween);
header.setFlexDirection(FlexDirection.Row);
for (let i = 0; i < 4; i++) {
  const item = Yoga.Node.create();
  item.setWidth(40 + i * 10);
  item.setMargin(Edge.Vertical, 4);
  header.insertChild(item, i);
}
const body = Yoga.Node.create();
body.setFlexGrow(1);
body.setFlexDirection(FlexDirection.Row);
const sidebar = Yoga.Node.create();
sidebar.setWidthPercent(22);
sidebar.setMinWidth(120);
const grid = Yoga.Node.create();
grid.setFlexGrow(1);
grid.setFlexBasis(0);
grid.setFlexDirection(FlexDirection.Row);
grid.setFlexWrap(Wrap.Wrap);
grid.setGap(Gutter.All, 6);
grid.setAlignContent(Align.FlexStart);
for (let i = 0; i < 240; i++) {
  const card = Yoga.Node.create();
  card.setFlexGrow(i % 3);
  card.setFlexBasis(60 + (i % 5) * 17);
  card.setHeight(30 + (i % 4) * 11);
  card.setAspectRatio(i % 7 === 0 ? 1.5 : NaN);
  grid.insertChild(card, i);
}
body.insertChild(sidebar, 0);
body.insertChild(grid, 1);
const footer = Yoga.Node.create();
footer.setHeight(32);
root.insertChild(header, 0);
root.insertChild(body, 1);
root.insertChild(footer, 2);

const box = (n) => [n.getComputedLeft(), n.getComputedTop(), n.getComputedWidth(), n.getComputedHeight()].map((v) => +v.toFixed(3));
for (const [width, height] of [[1280, 800], [777, 1000], [375, 667]]) {
  root.calculateLayout(width, height, Direction.LTR);
  const cards = Array.from({ length: grid.getChildCount() }, (_, i) => box(grid.getChild(i)));
  const digest = crypto.createHash('sha256').update(JSON.stringify(cards)).digest('hex').slice(0, 16);
  console.log(`${width}x${height}`, JSON.stringify({ header: box(header), sidebar: box(sidebar), grid: box(grid), footer: box(footer), first: cards.slice(0, 3), last: cards.at(-1) }), digest);
}
root.freeRecursive();
