/**
 * /whisk.system/utils/smash: nests every input property under the property named by `$fieldName`
 * ({a: 1, $fieldName: 'p'} gives {p: {a: 1}}). Without a string `$fieldName` it answers an
 * application error, as the catalog's action does.
 */
function main(params) {
  const field = params.$fieldName;
  if (typeof field !== 'string') {
    return { error: "Expected an argument '$fieldName' of type 'string'." };
  }
  const nested = { ...params };
  delete nested.$fieldName;
  return { [field]: nested };
}

module.exports.main = main;
