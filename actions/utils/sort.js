/**
 * /whisk.system/utils/sort: sorts `lines` as JavaScript's default sort does (by string value),
 * and returns them with their count.
 */
function main(params) {
  const lines = Array.isArray(params.lines) ? [...params.lines] : [];
  lines.sort();
  return { lines, length: lines.length };
}

module.exports.main = main;
