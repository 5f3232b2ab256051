// The overlay lives in @objsel/clicks (no TF.js), so the classic methods draw the same picture.
export { selectionOverlay } from '@objsel/clicks';
