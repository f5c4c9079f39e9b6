// `make css`: Bootstrap's CSS cut down to the rules this app uses (static/css/bootstrap.purged.min.css).
// A rule stays when one of its class names appears as a word in a template, a script, the Python
// code (labels and helpers that name classes) or Bootstrap's own JavaScript (the classes it adds:
// show, fade, collapsing, modal-backdrop ...).  Classes the templates build from pieces are listed
// in the safelist; tests/test_static_files.py fails when a class used anywhere is missing.
const path = require("path");
const root = path.resolve(__dirname, "../..");
const bootstrap = process.env.BOOTSTRAP_DIR;

module.exports = {
  content: [
    `${root}/templates/**/*.html`,
    `${root}/quiz/**/*.html`,
    `${root}/quiz/**/*.py`,
    `${root}/static/js/**/*.js`,
    `${bootstrap}/js/bootstrap.min.js`,
  ],
  css: [`${bootstrap}/css/bootstrap.min.css`],
  output: `${root}/static/css/bootstrap.purged.min.css`,
  // alert-{{ category }} (flash messages) and w-{{ n }} (progress widths) are built from pieces;
  // Bootstrap's JavaScript sets data-bs-popper on open dropdowns (PurgeCSS sees no attributes in scripts)
  safelist: {standard: [/^alert-/, /^w-/], greedy: [/data-bs-popper/]},
  // :root custom properties and @font-face/keyframes stay: they are small and used through var()
  variables: false,
  keyframes: false,
  fontFace: false,
};
