// Ambient module declarations for assets Bun bundles as files.
declare module "*.wasm" {
  const path: string;
  export default path;
}
declare module "*.html" {
  const bundle: import("bun").HTMLBundle;
  export default bundle;
}
declare module "*.py" {
  const path: string;
  export default path;
}
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "*.js" {
  const path: string;
  export default path;
}
declare module "*.woff2" {
  const path: string;
  export default path;
}
declare module "*.zst" {
  const path: string;
  export default path;
}
declare module "*.gz" {
  const path: string;
  export default path;
}
