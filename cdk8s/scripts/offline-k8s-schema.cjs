/**
 * Preload for `cdk8s import k8s@<version>` without internet. The CLI downloads
 * raw.githubusercontent.com/cdk8s-team/cdk8s/.../kubernetes-schemas/v<version>/_definitions.json;
 * that file is the `definitions` section of the Kubernetes OpenAPI v2 spec, which the Go module
 * k8s.io/kubernetes ships as api/openapi-spec/swagger.json. Point K8S_SWAGGER at that file.
 */
const fs = require('fs');
const path = require('path');
// lib/util is not in the package's "exports"; resolve it by path so the CLI sees the same module.
const util = require(path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'lib/util.js'));

const swagger = process.env.K8S_SWAGGER;
if (!swagger || !fs.existsSync(swagger)) throw new Error(`K8S_SWAGGER must name a swagger.json (got ${swagger})`);
const download = util.download;
util.download = async (url) => {
  if (!/\/kubernetes-schemas\/v[\d.]+\/_definitions\.json$/.test(url)) return download(url);
  const { definitions } = JSON.parse(fs.readFileSync(swagger, 'utf-8'));
  // As cdk8s's published schemas do: both types serialize as either JSON type, so the generated
  // code exposes IntOrString.fromNumber/fromString and Quantity.fromString/fromNumber.
  const union = (def, other) => ({ description: def.description, oneOf: [{ type: 'string' }, { type: other }] });
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = union(definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], 'integer');
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = union(definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'], 'number');
  return JSON.stringify({ definitions });
};
