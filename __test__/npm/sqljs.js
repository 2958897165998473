// Emscripten (C): SQLite via sql.js.
const initSqlJs = require('sql.js');
initSqlJs().then((SQL) => {
  const db = new SQL.Database();
  db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)');
  for (let i = 0; i < 200; i++) db.run('INSERT INTO t (name, score) VALUES (?, ?)', [`n${i % 17}`, (i * 37) % 101 / 3]);
  const r = db.exec('SELECT name, COUNT(*), ROUND(AVG(score), 6), MAX(id) FROM t GROUP BY name ORDER BY name');
  console.log(JSON.stringify(r[0].values));
  console.log(db.exec("SELECT printf('%.3f', 1.0/3), hex('wasm'), 7 % 3, 2.5 * 4")[0].values[0].join(' '));
});
