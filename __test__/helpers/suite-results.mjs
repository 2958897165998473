// Made-up results of one suite file, in the shape the runners hand to lib/cli/suite-report.js.

/** A file's run: `cases` as [name, status, message?]. */
export const fileRun = (cases, status = 'OK', message = null) => ({ status, message, cases: cases.map(([name, s, m = null]) => ({ name, status: s, message: m })) });
