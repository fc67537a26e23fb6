// Boots the BFF's GraphiQL page in jsdom as a browser would, from the BFF's own URL, and reports
// what happened: whether GraphiQL rendered, which operations it sent, every URL it loaded, and
// script errors. Usage: node boot_graphiql.cjs PAGE_URL NODE_MODULES [HEADERS] (prints one JSON
// line). With HEADERS, once the first operation is answered, they are typed into the Headers tab
// and the report waits for an operation sent with other headers than the first one.
const path = require("node:path");
const { JSDOM, ResourceLoader, VirtualConsole } = require(path.join(process.argv[3], "jsdom"));

const pageUrl = process.argv[2];
const headersToType = process.argv[4];
let typedAt = null; // how many operations had been sent when the headers were typed
const loaded = [pageUrl];
const operations = [];
const errors = [];

class RecordingLoader extends ResourceLoader {
  fetch(url, options) {
    loaded.push(url);
    return super.fetch(url, options);
  }
}

const virtualConsole = new VirtualConsole();
virtualConsole.on("jsdomError", (error) => errors.push(String(error.message || error)));

// What a browser has and jsdom lacks; layout answers are zeros (nothing is painted).
function addBrowserApis(window) {
  window.fetch = async (input, init) => {
    loaded.push(String(input));
    const response = await fetch(input, init);
    const answer = await response.clone().json();
    operations.push({
      url: String(input),
      name: JSON.parse(init.body).operationName,
      status: response.status,
      headers: Object.fromEntries(new Headers(init.headers || {})),
      errors: answer.errors || [],
      types: answer.data && answer.data.__schema ? answer.data.__schema.types.length : 0,
    });
    return response;
  };
  window.TextDecoder = TextDecoder;
  window.TextEncoder = TextEncoder;
  window.matchMedia = () => ({ matches: false, addEventListener() {}, removeEventListener() {} });
  window.ResizeObserver = class { observe() {} unobserve() {} disconnect() {} };
  const rect = () => ({ x: 0, y: 0, top: 0, left: 0, bottom: 0, right: 0, width: 0, height: 0 });
  window.Range.prototype.getBoundingClientRect = rect;
  window.Range.prototype.getClientRects = () => ({ length: 0, item: () => null });
}

JSDOM.fromURL(pageUrl, {
  runScripts: "dangerously",
  resources: new RecordingLoader(),
  pretendToBeVisual: true,
  virtualConsole,
  beforeParse: addBrowserApis,
}).then((dom) => {
  const deadline = Date.now() + 30000;
  const report = () => {
    const document = dom.window.document;
    const rendered = Boolean(document.querySelector(".graphiql-container"));
    if (headersToType !== undefined && typedAt === null && operations.length >= 1) {
      // The editor tools hold the variables editor, then the headers editor (CodeMirror 5).
      const editors = document.querySelectorAll(".graphiql-editor-tool .graphiql-editor .CodeMirror");
      editors[editors.length - 1].CodeMirror.setValue(headersToType);
      typedAt = operations.length;
    }
    const first = operations.length ? JSON.stringify(operations[0].headers) : null;
    const done = headersToType === undefined
      ? operations.length > 0
      : typedAt !== null && operations.slice(typedAt).some((op) => JSON.stringify(op.headers) !== first);
    if ((rendered && done) || errors.length > 0 || Date.now() > deadline) {
      const defaultHeaders = document.querySelectorAll(".graphiql-editor-tool .CodeMirror");
      const headers = defaultHeaders.length ? defaultHeaders[defaultHeaders.length - 1].CodeMirror.getValue() : null;
      console.log(JSON.stringify({ rendered, operations, loaded, errors, headers, typedAt }));
      dom.window.close();
      process.exit(0);
    }
    setTimeout(report, 50);
  };
  report();
});
