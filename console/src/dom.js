// dom.js — the only way the console makes elements (docs/console.md).
//
// Text is always a text node (textContent): alert titles, observables and
// notes come from attackers' machines, so nothing here ever parses HTML
// (no innerHTML, no insertAdjacentHTML). Links may only point inside the
// console ("#/..." or "/..."), or at a blob: URL the console made.
//
//   el('p', {class: 'fs-muted'}, 'text', child, [more, children])
//   svg('line', {x1: 0, y1: 0, x2: 10, y2: 10})

const SVG_NS = 'http://www.w3.org/2000/svg';
const SAFE_HREF = /^(#|\/(?!\/)|blob:)/;

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      node.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      node.setAttribute('class', String(v));
    } else if (k === 'value' && 'value' in node) {
      node.value = String(v);
    } else if (k === 'checked' || k === 'selected') {
      node[k] = Boolean(v);
    } else if ((k === 'href' || k === 'src' || k === 'action') && !SAFE_HREF.test(String(v))) {
      continue; // outside the console: dropped, never followed
    } else if (k === 'style' || k === 'innerHTML' || k === 'outerHTML') {
      continue; // the CSP refuses inline styles; HTML is never parsed
    } else {
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(node, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else if (c instanceof Node) node.appendChild(c);
    else node.appendChild(document.createTextNode(String(c)));
  }
}

// An HTML element with attributes and children (strings become text).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

// An SVG element (the metrics charts are drawn with these).
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

// Replaces what node holds.
export function show(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// Shared formatting.
export function fmtTime(ms) {
  if (ms === null || ms === undefined || ms === '') return '—';
  const d = new Date(Number(ms));
  return isNaN(d) ? String(ms) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function fmtDuration(s) {
  if (s === null || s === undefined || !isFinite(s)) return '—';
  if (s === 0) return "0";
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 0)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export const SEVERITY = ['unknown', 'informational', 'low', 'medium', 'high', 'critical', 'fatal'];
export function severityName(id) {
  return SEVERITY[id] || String(id);
}
export function severityTag(id) {
  return el('span', { class: `fs-sev fs-sev-${Number(id) || 0}` }, `${id} ${severityName(id)}`);
}
