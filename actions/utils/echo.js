/**
 * /whisk.system/utils/echo: returns its input unchanged (the catalog's "Returns the input").
 * Written for Palette; behaves as apache/openwhisk-catalog packages/utils documents it.
 */
function main(params) {
  return params || {};
}

module.exports.main = main;
