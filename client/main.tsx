// Mounts the Solid application into the page.
import { render } from "solid-js/web";
import { App } from "./app.tsx";

// Formulas in the preview, the public page and the embed are KaTeX markup made by the server; its
// stylesheet comes from the server too, whose fonts the browser fetches only for formulas using them.
const katex = document.createElement("link");
katex.rel = "stylesheet";
katex.href = "/assets/katex/katex.css";
document.head.append(katex);

const root = document.getElementById("root");
if (root) render(() => <App />, root);
