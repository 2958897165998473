'use strict';
// Running the CLI commands' child processes a few at a time.

/** Runs `work` over `items`, `jobs` at a time; its results, in the order of `items`. */
async function pool(items, jobs, work) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
  return results;
}

module.exports = { pool };
