// A user's settings before they change any: what the server stores nothing for and what the client
// shows until the server's answer arrives.
import type { SettingsJson } from "./api-types.ts";

export const DEFAULT_SETTINGS: SettingsJson = {
  theme: "system",
  editorFontSize: 14,
  tabSize: 4,
  wordWrap: true,
  lineNumbers: true,
  displayName: "",
  avatarColour: "",
  language: "auto",
  email: "",
  emailNotifications: true,
};
