/**
 * /whisk.system/utils/head: the first `num` entries of `lines` (`num` defaults to 1).
 */
function main(params) {
  const lines = Array.isArray(params.lines) ? params.lines : [];
  const num = params.num || 1;
  return { lines: lines.slice(0, num), num };
}

module.exports.main = main;
