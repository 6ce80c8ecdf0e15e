// The runner's modules that Python in the reader's browser loads too (served under
// /assets/pyodide/pymd/): the output channel and its caps, displays and the `pymd` helper, tracebacks
// and the block loop. The browser's own entry (client/python/pymd_browser.py) sends their frames to
// the page instead of a pipe, so a notebook prints, shows and fails in the browser as in the jail.
import display from "./runner/pymd_display.py" with { type: "text" };
import exec from "./runner/pymd_exec.py" with { type: "text" };
import helpers from "./runner/pymd_helpers.py" with { type: "text" };
import io from "./runner/pymd_io.py" with { type: "text" };
import traceback from "./runner/pymd_traceback.py" with { type: "text" };

/** Module name → source, in the order the browser writes them. */
export function browserRunnerModules(): Record<string, string> {
  return { pymd_io: io, pymd_display: display, pymd_helpers: helpers, pymd_traceback: traceback, pymd_exec: exec };
}
