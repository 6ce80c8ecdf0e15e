// The embed page's one script (/embed/SLUG, served only when the notebook has a mermaid diagram):
// draws its mermaid listings as diagrams.
import { drawDiagrams } from "./mermaid-diagrams.ts";

drawDiagrams(document.body);
