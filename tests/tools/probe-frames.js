/* The start of the time view tests' browser probes, inside their
 * function: put(K, V) leaves V in the page as attribute data-t-K, for
 * --dump-dom; frames() lists the frames shown, DEPTH|X|COUNT|FILL|TOOLTIP,
 * sorted, as tests/tools/svg-frames.py lists psys-svg's. */
var root = document.documentElement, pf = window.psysFlame;
function put(k, v) { root.setAttribute('data-t-' + k, String(v)); }
function frames() {
	return pf.frames().map(function (f) {
		return f.d + '|' + f.x + '|' + f.n + '|' + f.fill + '|' + f.g.firstElementChild.textContent;
	}).sort().join('\n');
}
