/**
 * /whisk.system/utils/cat: joins `lines` with newlines into `payload` (unix cat). Every other
 * input field is dropped; `lines` is returned as given.
 */
function main(params) {
  const lines = Array.isArray(params.lines) ? params.lines : [];
  const result = { lines, payload: lines.join('\n') };
  console.log('cat: returning ' + JSON.stringify(result));
  return result;
}

module.exports.main = main;
