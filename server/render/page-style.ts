// The stylesheet inlined into exported pages: typography, notebook cells, light/dark palettes,
// highlight.js token colours for both, and print rules.

export const pageStyle = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--soft:#f6f8fa;--border:#d1d9e0;--accent:#0969da;
--err-bg:#ffebe9;--err-fg:#82071e;--warn-bg:#fff8c5;--warn-fg:#6b4f00;
--k:#cf222e;--s:#0a3069;--n:#0550ae;--c:#6e7781;--f:#8250df;--t:#953800;--v:#116329}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--soft:#151b23;--border:#3d444d;--accent:#4493f8;
--err-bg:#2d1214;--err-fg:#ffa198;--warn-bg:#272115;--warn-fg:#e3b341;
--k:#ff7b72;--s:#a5d6ff;--n:#79c0ff;--c:#8b949e;--f:#d2a8ff;--t:#ffa657;--v:#7ee787}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0 auto;max-width:52rem;padding:2rem 1.25rem 4rem;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:break-word}
h1,h2,h3,h4,h5,h6{line-height:1.25;margin:1.5em 0 .5em}
h1,h2{padding-bottom:.3em;border-bottom:1px solid var(--border)}
a{color:var(--accent)}
img{max-width:100%;height:auto}
blockquote{margin:0;padding:0 1em;color:var(--muted);border-left:.25em solid var(--border)}
hr{border:0;border-top:1px solid var(--border);margin:1.5em 0}
table{border-collapse:collapse;display:block;max-width:100%;overflow:auto;margin:1em 0}
th,td{border:1px solid var(--border);padding:.35em .75em}
tr:nth-child(2n){background:var(--soft)}
code,pre,kbd,samp{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
:not(pre)>code{background:var(--soft);padding:.15em .35em;border-radius:4px}
pre{background:var(--soft);border:1px solid var(--border);border-radius:6px;padding:.8em 1em;overflow:auto;line-height:1.45}
.pymd-cell{margin:1.25em 0}
.pymd-executed>.pymd-source{border-left:3px solid var(--accent)}
.pymd-display-only>.pymd-source{border-style:dashed}
.pymd-outputs{padding:.25em 0 .25em 1em;border-left:3px solid var(--border)}
.pymd-math-display{overflow-x:auto;overflow-y:hidden;margin:1em 0}
.pymd-math-error{color:var(--err-fg)}
.pymd-math-error>code{background:var(--err-bg)}
.pymd-math-error-message{font-size:.85em;font-style:italic}
.pymd-render-limit{font-style:italic;white-space:pre-wrap;overflow-wrap:anywhere}
.pymd-stdout>p{margin:0}.pymd-stdout>p.pymd-gap{margin-top:1em}.pymd-stdout>:not(p)+p{margin-top:.5em}
.pymd-stderr{background:var(--warn-bg);color:var(--warn-fg);white-space:pre-wrap}
.pymd-error{background:var(--err-bg);color:var(--err-fg);white-space:pre-wrap}
.pymd-truncated,.pymd-host-error{color:var(--err-fg);font-style:italic}
.pymd-display-image{margin:1em 0;text-align:center}
.task-list-item{list-style:none}
.task-list-item input{margin:0 .4em 0 -1.2em}
.hljs-keyword,.hljs-selector-tag,.hljs-meta .hljs-keyword,.hljs-doctag,.hljs-template-tag,.hljs-template-variable,.hljs-type{color:var(--k)}
.hljs-string,.hljs-regexp,.hljs-meta .hljs-string{color:var(--s)}
.hljs-number,.hljs-literal,.hljs-attr,.hljs-attribute,.hljs-variable,.hljs-selector-attr,.hljs-selector-class,.hljs-selector-id{color:var(--n)}
.hljs-comment,.hljs-code,.hljs-formula,.hljs-quote{color:var(--c);font-style:italic}
.hljs-title,.hljs-title.function_,.hljs-section{color:var(--f)}
.hljs-built_in,.hljs-symbol,.hljs-params,.hljs-meta{color:var(--t)}
.hljs-name,.hljs-tag,.hljs-selector-pseudo,.hljs-addition{color:var(--v)}
.hljs-deletion{color:var(--k)}
.hljs-emphasis{font-style:italic}.hljs-strong{font-weight:bold}
@media print{
:root{--fg:#000;--bg:#fff;--soft:#f6f8fa;--border:#bbb;--k:#cf222e;--s:#0a3069;--n:#0550ae;--c:#6e7781;--f:#8250df;--t:#953800;--v:#116329}
body{max-width:none;padding:0;font-size:11pt}
pre{white-space:pre-wrap;overflow:visible}
pre,table,figure,img{break-inside:avoid}
h1,h2,h3,h4,h5,h6{break-after:avoid}
a{color:inherit}
}
`;
