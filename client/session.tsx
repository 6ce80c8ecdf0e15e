// The signed-in user and their settings, shared by every page; settings apply to the page at once.
import { DEFAULT_SETTINGS } from "../protocol/default-settings.ts";
import { peekNotebookSocket } from "./notebook-socket.ts";
import { createContext, createEffect, createSignal, useContext, type Accessor, type JSX } from "solid-js";
import type { SettingsJson, UserJson } from "../protocol/api-types.ts";
import { api } from "./api.ts";
import { CollabDocument } from "./collab-document.ts";
import { clearAllDrafts } from "./drafts.ts";
import { resolveLanguage, setLanguage } from "./i18n.ts";

export interface Session {
  user: Accessor<UserJson | null>;
  settings: Accessor<SettingsJson>;
  signedIn(user: UserJson, settings: SettingsJson): void;
  /** Saves a settings change through the API; applied optimistically, rolled back on failure. */
  updateSettings(patch: Partial<SettingsJson>): Promise<void>;
  /** Signs out and deletes what this browser keeps of the user's documents (offline copies, drafts). */
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session>();

export function SessionProvider(props: {
  user: UserJson | null;
  settings: SettingsJson | null;
  children: JSX.Element;
}) {
  const [user, setUser] = createSignal<UserJson | null>(props.user);
  const [settings, setSettings] = createSignal<SettingsJson>(props.settings ?? DEFAULT_SETTINGS);

  createEffect(() => {
    document.documentElement.dataset.theme = settings().theme;
  });
  createEffect(() => setLanguage(resolveLanguage(settings().language)));

  const session: Session = {
    user,
    settings,
    signedIn(u, s) {
      setUser(u);
      setSettings(s);
      // the page's socket, if the last session's end closed it, belongs to this one now
      peekNotebookSocket()?.renew();
    },
    async updateSettings(patch) {
      const before = settings();
      setSettings({ ...before, ...patch });
      try {
        setSettings(await api<SettingsJson>("PATCH", "/api/v1/users/me/settings", patch));
      } catch (e) {
        setSettings(before);
        throw e;
      }
    },
    async signOut() {
      try {
        await api("POST", "/api/v1/auth/logout");
      } finally {
        // open documents stop before the page leaves them, so none stores its copy again
        await CollabDocument.forgetAll();
        setUser(null);
        setSettings(DEFAULT_SETTINGS);
        // after the pages left, which keep a draft of what they had not saved
        clearAllDrafts();
      }
    },
  };
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
