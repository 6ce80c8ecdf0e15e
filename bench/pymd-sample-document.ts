// Builds a synthetic PyMD document of a given size for the parser and render benchmarks.

const SECTION = `# ## Section {n}
#
# Some prose with **bold**, \`code\` and a [link](https://example.com/{n}).
# A second line of the same paragraph, a little longer to look like real writing.
#
# - item one
# - item two
#
# | a | b |
# | - | - |
# | 1 | 2 |
// an implementation note
# \`\`\`
import math
values = [math.sqrt(i) for i in range({n})]
# a Python comment inside code
print(f"| n | sum |\\n| - | - |\\n| {n} | {sum(values):.2f} |")
# \`\`\`
# \`\`\`\`
def shown_only():
    return "never run"
# \`\`\`\`
`;

export function sampleDocument(bytes: number): string {
  const parts: string[] = ["import pymd\n# # Benchmark document\n"];
  let size = parts[0]!.length;
  for (let n = 1; size < bytes; n++) {
    const s = SECTION.replaceAll("{n}", String(n));
    parts.push(s);
    size += s.length;
  }
  return parts.join("");
}
