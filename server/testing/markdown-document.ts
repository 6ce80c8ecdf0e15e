// A Markdown-only PyMD document of about `bytes` characters (headings, emphasis, code spans, links,
// lists), for render tests and benchmarks.
export function markdownDocument(bytes: number): string {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const chunk = [
      `# ## Part ${i}`,
      `# Some *emphasis*, **strong**, \`code\` and a [link](https://example.com/${i}).`,
      "# - item one",
      "# - item two `x`",
      "#",
    ];
    lines.push(...chunk);
    n += chunk.join("\n").length + 1;
  }
  return lines.join("\n") + "\n";
}
