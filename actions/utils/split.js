/**
 * /whisk.system/utils/split: splits the string `payload` on `separator` (a string; default: line
 * breaks) into `lines`, and returns the payload beside them.
 */
function main(params) {
  const separator = params.separator || /\r?\n/;
  const payload = params.payload === undefined || params.payload === null ? '' : String(params.payload);
  return { lines: payload.split(separator), payload: params.payload };
}

module.exports.main = main;
