// Starting points offered by the "New" menu: a title and PyMD source for each.
// PyMD: lines starting with "# " are Markdown; code between "# ```" fences is executed Python.
// The name and description shown in the menu follow the interface's language (read when shown);
// the title and content a template creates stay as written.
import { t } from "./i18n.ts";

export interface DocumentTemplate {
  id: string;
  name: string;
  description: string;
  title: string;
  content: string;
}

export const BLANK_DOCUMENT: DocumentTemplate = {
  id: "blank",
  get name() {
    return t("Blank document");
  },
  get description() {
    return t("An empty notebook with a title");
  },
  title: "Untitled notebook",
  content: "# # Untitled notebook\n#\n# Write Markdown after `# `, Python in fenced blocks.\n",
};

const STARTER = `# # Starter notebook
#
# A PyMD file is plain Python: lines that start with \`# \` are **Markdown**,
# and code between \`# \\\`\\\`\\\`\` fences runs when you render the notebook.
# Variables persist from one block to the next, like one kernel.
#
# ## A printed table
#
# Whatever a block prints is Markdown too, so a printed table becomes a real table.
# \`\`\`
rows = [("apples", 3, 0.5), ("pears", 5, 0.75), ("plums", 12, 0.2)]
print("| fruit | count | price |")
print("|---|---:|---:|")
for name, count, price in rows:
    print(f"| {name} | {count} | {price:.2f} |")
# \`\`\`
#
# ## A plot
#
# \`plt.show()\` puts the figure inline, right after the text printed before it.
# \`\`\`
import matplotlib.pyplot as plt

xs = list(range(1, 11))
plt.plot(xs, [x * x for x in xs], marker="o", label="x²")
plt.plot(xs, [10 * x for x in xs], linestyle="--", label="10x")
plt.title("Squares against a line")
plt.legend()
plt.show()
# \`\`\`
#
# ## Next steps
#
# - Edit a block and run it again.
# - Add \`# ## A heading\` lines to structure the notebook.
# - Share the notebook with a colleague to write together.
`;

const NOTES = `# # Meeting notes
#
# **Date:** YYYY-MM-DD
# **Present:**
#
# ## Agenda
#
# 1. 
#
# ## Decisions
#
# - [ ] 
#
# ## Actions
#
# | Who | What | By when |
# |---|---|---|
# |  |  |  |
`;

export const TEMPLATES: DocumentTemplate[] = [
  {
    id: "starter",
    get name() {
      return t("Starter notebook");
    },
    get description() {
      return t("Headings, a printed table and a matplotlib plot");
    },
    title: "Starter notebook",
    content: STARTER,
  },
  {
    id: "notes",
    get name() {
      return t("Meeting notes");
    },
    get description() {
      return t("Markdown only: agenda, decisions, actions");
    },
    title: "Meeting notes",
    content: NOTES,
  },
];
