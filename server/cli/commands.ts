// The list of CLI commands; main.ts dispatches over it.
import type { Command } from "./command.ts";
import { serveCommand } from "./serve-command.ts";
import { userCommand } from "./user-command.ts";
import { backupCommand } from "./backup-command.ts";
import { renderCommand } from "./render-command.ts";
import { doctorCommand } from "./doctor-command.ts";
import { convertCommand } from "./convert-command.ts";
import { auditCommand } from "./audit-command.ts";

export const COMMANDS: Command[] = [
  serveCommand,
  userCommand,
  backupCommand,
  renderCommand,
  convertCommand,
  doctorCommand,
  auditCommand,
];
