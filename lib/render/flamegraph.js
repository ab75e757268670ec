/* The interactive part of psys-svg's flame graphs, embedded in every SVG.
 * It reads the frames the SVG already has (data-x: left edge, data-n:
 * width, both in counts; the <title> tooltip; the rect) and the settings
 * on #frames, and adds click-to-zoom, regex search and the URL state.
 * With a time view (#timeview, and the samples in #timedata: see
 * docs/psys-svg.md), it also folds any range of the samples again and
 * lays the graph out anew, as psys-fold --from --to and psys-svg would. */
'use strict';
(function () {
var NS = 'http://www.w3.org/2000/svg';
var doc = document, frames = doc.getElementById('frames');
var details = doc.getElementById('details').firstChild;
var matchedText = doc.getElementById('matched').firstChild;
var unzoomBtn = doc.getElementById('unzoom');
var searchBtn = doc.getElementById('search');
var icBtn = doc.getElementById('ignorecase');
function cfg(a) { return frames.getAttribute('data-' + a); }
var total = +cfg('total'), W = +cfg('w'), xpad = +cfg('xpad');
var fh = +cfg('fh'), y0 = +cfg('y0'), inv = cfg('inv') === '1';
var fs = +cfg('fs'), fw = +cfg('fw'), ty = +cfg('ty');
var nametype = cfg('nt') || '', countname = cfg('cn') || '';
/* The tooltip is 'NAME (COUNT COUNTNAME, ...)': the name ends at the
 * opening parenthesis of the statistics, counted from the end. */
var statParens = countname.split(' (').length;
var eps = total * 1e-9;
var all = [], byG = new Map();
var zoomed = null, term = null, ic = false;

for (var g = frames.firstElementChild; g; g = g.nextElementSibling) {
	var r = g.firstElementChild;
	while (r && r.localName !== 'rect')
		r = r.nextElementSibling;
	if (!r)
		continue;
	var t = r.nextElementSibling;
	var f = {
		g: g, rect: r, text: t && t.localName === 'text' ? t : null,
		x: +g.getAttribute('data-x'), n: +g.getAttribute('data-n'),
		d: Math.round((+r.getAttribute('y') - y0) / (inv ? fh : -fh)),
		fill: r.getAttribute('fill'), name: null, hit: false, node: -1,
		/* what the DOM shows, so that only changes are written */
		vis: true, xs: r.getAttribute('x'), ws: r.getAttribute('width'),
		par: false, y: +r.getAttribute('y'), lab: t ? t.textContent : '',
		labx: t ? t.getAttribute('x') : null, laby: t ? +r.getAttribute('y') : null,
		titled: true
	};
	all.push(f);
	byG.set(g, f);
}

function name(f) {
	/* A frame whose tooltip --nameattr replaced keeps its name aside. */
	if (f.name === null && f.g.hasAttribute('data-name'))
		f.name = f.g.getAttribute('data-name');
	if (f.name === null) {
		var s = f.g.firstElementChild.textContent, i = s.length;
		for (var k = 0; k < statParens && i > 0; k++)
			i = s.lastIndexOf(' (', i - 1);
		f.name = i >= 0 ? s.substring(0, i) : s;
	}
	return f.name;
}

function label(f, x, width) {
	var chars = Math.floor((width - 3) / (fs * fw)), s = '';
	if (chars >= 3) {
		s = name(f);
		if (s.length > chars)
			s = s.substring(0, chars - 2) + '..';
	}
	if (!f.text) {
		if (!s)
			return;
		f.text = doc.createElementNS(NS, 'text');
		f.g.appendChild(f.text);
		f.laby = null;
	}
	var lx = (x + 3).toFixed(2);
	if (f.laby !== f.y) {
		f.text.setAttribute('y', ty + f.y);
		f.laby = f.y;
	}
	if (f.labx !== lx) {
		f.text.setAttribute('x', lx);
		f.labx = lx;
	}
	if (f.lab !== s) {
		f.text.textContent = s;
		f.lab = s;
	}
}

function place(f, x, width, show, parent) {
	if (f.vis !== show) {
		f.g.style.display = show ? '' : 'none';
		f.vis = show;
	}
	if (!show)
		return;
	var xs = x.toFixed(2), ws = width.toFixed(2);
	if (f.xs !== xs) {
		f.rect.setAttribute('x', xs);
		f.xs = xs;
	}
	if (f.ws !== ws) {
		f.rect.setAttribute('width', ws);
		f.ws = ws;
	}
	if (f.par !== parent) {
		/* classList: a class --nameattr gave the frame stays. */
		if (parent)
			f.g.classList.add('parent');
		else
			f.g.classList.remove('parent');
		f.par = parent;
	}
	label(f, +xs, width);
}

/* Tooltips of a redrawn graph are written when first needed. */
var retitle = null;
function tip(f) {
	if (!f.titled && retitle)
		retitle(f);
	return f.g.firstElementChild.textContent;
}

var timeState = null;	/* the time view's part of the URL, if any */

function setState() {
	try {
		var p = new URLSearchParams(location.search);
		if (timeState)
			timeState(p);
		if (zoomed) {
			p.set('x', zoomed.x);
			p.set('y', zoomed.d);
		} else {
			p.delete('x');
			p.delete('y');
		}
		if (term !== null)
			p.set('s', term);
		else
			p.delete('s');
		if (ic)
			p.set('i', '1');
		else
			p.delete('i');
		var q = p.toString();
		history.replaceState(history.state, '',
			location.pathname + (q ? '?' + q : '') + location.hash);
	} catch (e) {
		/* a sandboxed viewer may refuse; the graph still works */
	}
}

function zoom(z) {
	var s = z.x, e = z.x + z.n, k = W / z.n;
	for (var i = 0; i < all.length; i++) {
		var f = all[i];
		if (f.d < z.d)
			place(f, xpad, W, f.x <= s + eps && f.x + f.n >= e - eps, true);
		else
			place(f, xpad + (f.x - s) * k, f.n * k,
			      f.x >= s - eps && f.x + f.n <= e + eps, false);
	}
	zoomed = z;
	unzoomBtn.setAttribute('class', 'button');
	setState();
}

function unzoom() {
	var k = W / total;
	for (var i = 0; i < all.length; i++)
		place(all[i], xpad + all[i].x * k, all[i].n * k, true, false);
	zoomed = null;
	unzoomBtn.setAttribute('class', 'button hidden');
	setState();
}

function search(s) {
	var re;
	try {
		re = new RegExp(s, ic ? 'i' : '');
	} catch (e) {
		matchedText.nodeValue = 'Bad regular expression';
		return;
	}
	var hits = [];
	for (var i = 0; i < all.length; i++) {
		var f = all[i];
		if (re.test(name(f))) {
			f.rect.setAttribute('fill', 'rgb(230,0,230)');
			f.hit = true;
			hits.push(f);
		} else if (f.hit) {
			f.rect.setAttribute('fill', f.fill);
			f.hit = false;
		}
	}
	/* A match inside another match is already counted: frames either
	 * nest or do not overlap, so the widest first at each x wins. */
	hits.sort(function (a, b) { return a.x - b.x || b.n - a.n; });
	var sum = 0, end = -Infinity;
	for (i = 0; i < hits.length; i++) {
		if (hits[i].x >= end - eps) {
			sum += hits[i].n;
			end = hits[i].x + hits[i].n;
		}
	}
	term = s;
	matchedText.nodeValue = 'Matched: ' +
		(total > 0 ? 100 * sum / total : 0).toFixed(2) + '%';
	searchBtn.firstChild.nodeValue = 'Reset Search';
	setState();
}

function resetSearch() {
	for (var i = 0; i < all.length; i++) {
		if (all[i].hit) {
			all[i].rect.setAttribute('fill', all[i].fill);
			all[i].hit = false;
		}
	}
	term = null;
	matchedText.nodeValue = ' ';
	searchBtn.firstChild.nodeValue = 'Search';
	setState();
}

function askSearch() {
	var s = prompt('Search frames (a regular expression, e.g. ^tcp_)' +
		       (ic ? ', ignoring case' : ''), term === null ? '' : term);
	if (s !== null && s !== '')
		search(s);
}

function toggleCase() {
	ic = !ic;
	icBtn.setAttribute('class', ic ? 'button on' : 'button');
	if (term !== null)
		search(term);
	else
		setState();
}

function frameOf(el) {
	while (el && el.parentNode !== frames)
		el = el.parentNode;
	return el ? byG.get(el) : undefined;
}

frames.addEventListener('click', function (e) {
	var f = frameOf(e.target);
	if (!f)
		return;
	/* A frame that is a link (--nameattr href) follows it; Ctrl-click
	 * zooms instead, as in flamegraph.pl. */
	if (f.g.localName === 'a') {
		if (!e.ctrlKey && !e.metaKey)
			return;
		e.preventDefault();
	}
	zoom(f);
});
frames.addEventListener('mouseover', function (e) {
	var f = frameOf(e.target);
	if (f)
		details.nodeValue = nametype + ' ' + tip(f);
});
frames.addEventListener('mouseout', function () {
	details.nodeValue = ' ';
});
unzoomBtn.addEventListener('click', unzoom);
searchBtn.addEventListener('click', function () {
	if (term !== null)
		resetSearch();
	else
		askSearch();
});
icBtn.addEventListener('click', toggleCase);
var timeKeys = null;
window.addEventListener('keydown', function (e) {
	if (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F'))) {
		e.preventDefault();
		askSearch();
	} else if ((e.ctrlKey || e.metaKey) && (e.key === 'i' || e.key === 'I')) {
		e.preventDefault();
		toggleCase();
	} else if (e.key === 'Escape' && term !== null) {
		resetSearch();
	} else if (timeKeys) {
		timeKeys(e);
	}
});

/* ---- The time view ------------------------------------------------ */

var api = {}, url = null;
try {
	url = new URLSearchParams(location.search);
} catch (e) {
	/* no URL state in this viewer */
}
var tv = doc.getElementById('timeview'), td = doc.getElementById('timedata');
try {
	if (tv && td)
		api = timeView();
} catch (e) {
	/* damaged time data: the flame graph still works */
	api = { error: String(e) };
}

function timeView() {
	var Q = +tv.getAttribute('data-q'), step = +tv.getAttribute('data-step');
	var ncols = +tv.getAttribute('data-ncols'), px = +tv.getAttribute('data-px');
	var pw = +tv.getAttribute('data-pw'), utc = +tv.getAttribute('data-utc');
	var zone = tv.getAttribute('data-zone') || '';
	var wall0 = tv.getAttribute('data-wall0') || '0';
	/* ms of the start in local time, exact enough for a clock. */
	var local0 = (+wall0.slice(0, -9) + utc) * 1000 + +wall0.slice(-9) / 1e6;
	var ypad1 = +cfg('ypad1'), ypad2 = +cfg('ypad2'), gw = +cfg('gw');
	var mwp = frames.hasAttribute('data-mwp');
	var mw = +(mwp ? cfg('mwp') : cfg('mw'));
	var root = doc.documentElement;
	var info = doc.getElementById('tvinfo'), infoText = info.textContent;
	var resetBtn = doc.getElementById('tvreset'), selRect = doc.getElementById('tvsel');
	var plot = doc.getElementById('tvplot');
	var detailsEl = doc.getElementById('details'), matchedEl = doc.getElementById('matched');

	/* Numbers: see put_num in lib/render/timedata.c. */
	var TDIG = 64, CDIG = 27, dig = new Int16Array(128).fill(-1), off = [0];
	for (var c = 0x21, k = 0; c < 0x7f; c++)
		if (c !== 0x22 && c !== 0x26 && c !== 0x3c)
			dig[c] = k++;
	for (var span = TDIG, i = 1; i < 12; i++, span *= CDIG)
		off[i] = off[i - 1] + span;
	var src = '', pos = 0;
	function num() {
		var acc = 0, n = 0, d;
		while ((d = dig[src.charCodeAt(pos++)]) >= TDIG) {
			acc = acc * CDIG + d - TDIG;
			n++;
		}
		if (!(d >= 0))
			throw new Error('time data damaged');
		return acc * TDIG + d + off[n];
	}
	function unzig(v) { return v % 2 ? -(v + 1) / 2 : v / 2; }

	/* Names and colours, by rank; those the SVG's frames show are
	 * taken from those frames below. */
	var shipped = td.getAttribute('data-names').split(';');
	var colText = td.getAttribute('data-colors'), names = [], colors = [];
	src = td.getAttribute('data-drawn');
	pos = 0;
	for (var leftIn = true, sh = 0; pos < src.length; leftIn = !leftIn) {
		for (var run = num(); run > 0; run--) {
			var rgb = 0;
			for (k = 0; leftIn && k < 4; k++)
				rgb = rgb * 64 + dig[colText.charCodeAt(4 * sh + k)];
			names.push(leftIn ? shipped[sh] : undefined);
			colors.push(leftIn ? '#' + (0x1000000 + rgb).toString(16).substring(1) : undefined);
			if (leftIn)
				sh++;
		}
	}

	/* The tree, in the order it is laid out: root first, every frame
	 * before its children, siblings in order. */
	var parent = [-1], depth = [0], nameOf = [-1], path = [0], kids = [[]];
	src = td.getAttribute('data-nodes');
	pos = 0;
	function addNode(d, at) {
		var pa = path[d - 1], ctx = pa ? nameOf[pa] + 1 : 0, list = kids[ctx] || (kids[ctx] = []);
		if (at === list.length)
			list.push(num());
		if (!(at < list.length))
			throw new Error('time data damaged');
		nameOf.push(list[at]);
		parent.push(pa);
		path[d] = depth.push(d) - 1;
	}
	/* Below 16: two frames, each the child of the one before, at places
	 * v / 4 and v % 4; from 16: v - 16 is place x 4 + up (3: more up
	 * follows). See write_tree in lib/render/timedata.c. */
	while (pos < src.length) {
		var v = num(), d = depth[depth.length - 1] + 1, up = (v - 16) % 4;
		if (v < 16) {
			addNode(d, v >> 2);
			addNode(d + 1, v & 3);
			continue;
		}
		if (up === 3)
			up += num();
		if (d - up < 1)
			throw new Error('time data damaged');
		addNode(d - up, (v - 16 - (v - 16) % 4) / 4);
	}
	var N = depth.length;

	/* Frames where samples end, most used first. */
	var ends = [];
	src = td.getAttribute('data-ends');
	pos = 0;
	while (pos < src.length) {
		var n = num(), at = -1;
		for (k = 0; k < n; k++) {
			at += num() + 1;
			ends.push(at);
		}
	}

	/* Each CPU's samples: times in quanta and end frames, in time order. */
	var freq = +td.getAttribute('data-freq');
	var period = freq ? 1e9 / freq / Q : 1;
	var cpus = td.getAttribute('data-cpus').split(','), streams = td.getAttribute('data-s').split(' ');
	var times = [], endOf = [], nsamples = 0;
	for (var ci = 0; ci < streams.length; ci++) {
		var tt = [], ee = [];
		src = streams[ci];
		pos = 0;
		if (src.length) {
			var tg = unzig(num()), m = num() + 1, top = [];
			for (k = 0; k + 1 < m; k++)
				top.push(num());
			while (pos < src.length) {
				var sym = num(), slot = sym % m;
				var ts = slot < m - 1 ? top[slot] : num(), kp = ts % 16;
				var jz = (ts - kp) / 16;
				if (kp === 15)
					kp += num();
				tg += unzig(jz) + Math.floor(kp * period + 0.5);
				tt.push(tg);
				ee.push(ends[(sym - slot) / m]);
			}
		}
		times.push(Float64Array.from(tt));
		endOf.push(Int32Array.from(ee));
		nsamples += tt.length;
	}

	/* The frames the SVG came with are the whole capture's: find each
	 * one's node by its depth and left edge. */
	var cnt = new Float64Array(N), own = new Float64Array(N), x = new Float64Array(N);
	var next = new Float64Array(N), vis = new Uint8Array(N), frameOfNode = new Array(N);
	count(-Infinity, Infinity);
	layout(minCount(cnt[0]));
	var byPlace = new Map();
	for (i = 0; i < N; i++)
		if (vis[i])
			byPlace.set(depth[i] + ':' + x[i], i);
	for (i = 0; i < all.length; i++) {
		var node = byPlace.get(all[i].d + ':' + all[i].x);
		if (node !== undefined && cnt[node] === all[i].n) {
			all[i].node = node;
			frameOfNode[node] = all[i];
			if (node && names[nameOf[node]] === undefined) {
				names[nameOf[node]] = name(all[i]);
				colors[nameOf[node]] = all[i].fill;
			}
		}
	}
	var shown = all.slice();

	function lowerBound(a, v) {
		var lo = 0, hi = a.length;
		while (lo < hi) {
			var mid = (lo + hi) >> 1;
			if (a[mid] < v)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}

	/* Samples at or after quantum A and before B: own, those ending at
	 * each frame; cnt, those through it. */
	function count(a, b) {
		cnt.fill(0);
		for (var c = 0; c < times.length; c++) {
			var tt = times[c], ee = endOf[c];
			for (var i = lowerBound(tt, a), e = lowerBound(tt, b); i < e; i++)
				cnt[ee[i]]++;
		}
		own.set(cnt);
		for (i = N - 1; i > 0; i--)
			cnt[parent[i]] += cnt[i];
	}
	/* psys-svg's pruning, with the same arithmetic. */
	function minCount(tot) {
		return mwp ? tot * mw / 100 : mw / (gw / tot);
	}
	/* flame_layout: positions in counts, a frame's own time before its
	 * children, frames below MIN left out with everything above them. */
	function layout(min) {
		var deepest = 0;
		next[0] = own[0];
		vis[0] = cnt[0] > 0 ? 1 : 0;
		for (var i = 1; i < N; i++) {
			var p = parent[i];
			x[i] = next[p];
			next[p] += cnt[i];
			next[i] = x[i] + own[i];
			vis[i] = vis[p] && cnt[i] > 0 && cnt[i] >= min ? 1 : 0;
			if (vis[i] && depth[i] > deepest)
				deepest = depth[i];
		}
		return deepest;
	}

	function group(v) {
		var s = String(v);
		if (!/^\d+$/.test(s))
			return s;
		return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	}
	function pct(part, whole) {
		return String(whole > 0 ? Math.round(100 * part / whole * 100) / 100 : 0) + '%';
	}

	/* New frames are copies of one, gathered until the redraw ends. */
	var model = doc.createElementNS(NS, 'g'), fresh = doc.createDocumentFragment();
	model.appendChild(doc.createElementNS(NS, 'rect'));
	model.lastChild.setAttribute('height', (fh - 1).toFixed(2));
	function frameFor(node) {
		var f = frameOfNode[node];
		if (f)
			return f;
		var g = model.cloneNode(true), r = g.lastChild;
		var fill = (node ? colors[nameOf[node]] : null) || '#888888';
		r.setAttribute('fill', fill);
		fresh.appendChild(g);
		f = { g: g, rect: r, text: null, x: 0, n: 0, d: depth[node], fill: fill,
		      name: node ? names[nameOf[node]] || '' : 'all', hit: false, node: node,
		      vis: true, xs: null, ws: null, par: false, y: null, lab: '',
		      labx: null, titled: false };
		frameOfNode[node] = f;
		byG.set(g, f);
		return f;
	}

	retitle = function (f) {
		var i = f.node, t = f.g.firstElementChild;
		/* New frames get their <title> when first needed. */
		if (t.localName !== 'title') {
			t = doc.createElementNS(NS, 'title');
			f.g.insertBefore(t, f.g.firstChild);
		}
		t.textContent = name(f) + ' (' + group(cnt[i]) + ' ' +
			countname + ', ' + pct(cnt[i], total) +
			(i ? ', ' + pct(cnt[i], cnt[parent[i]]) + ' of parent' : '') + ')';
		f.titled = true;
	};

	/* Redraws the graph of the samples in [A, B) quanta. */
	function redraw(a, b) {
		count(a, b);
		total = cnt[0];
		eps = total * 1e-9;
		var deepest = layout(minCount(total));
		var H = ypad1 + (deepest + 1) * fh + ypad2;
		var keep = zoomed ? zoomed.node : -1;
		/* Frames no longer shown are hidden; the others move. */
		for (var i = 0; i < shown.length; i++) {
			var s = shown[i];
			if ((s.node < 0 || !vis[s.node]) && s.vis) {
				s.g.style.display = 'none';
				s.vis = false;
			}
		}
		all = [];
		for (i = 0; i < N; i++) {
			if (!vis[i])
				continue;
			var f = frameFor(i), y = inv ? ypad1 + depth[i] * fh : H - ypad2 - (depth[i] + 1) * fh;
			f.x = x[i];
			f.n = cnt[i];
			f.titled = false;
			if (f.y !== y) {
				f.rect.setAttribute('y', y.toFixed(2));
				f.y = y;
			}
			all.push(f);
		}
		shown = all.slice();
		root.setAttribute('height', H.toFixed(2));
		var vb = root.getAttribute('viewBox').split(' ');
		vb[3] = H.toFixed(2);
		root.setAttribute('viewBox', vb.join(' '));
		detailsEl.setAttribute('y', (H - ypad2 / 2).toFixed(2));
		matchedEl.setAttribute('y', (H - ypad2 / 2).toFixed(2));
		var none = doc.getElementById('tvnone');
		if (!total && !none) {
			none = doc.createElementNS(NS, 'text');
			none.setAttribute('id', 'tvnone');
			none.setAttribute('x', (xpad + W / 2).toFixed(2));
			none.setAttribute('y', (ypad1 + fh).toFixed(2));
			none.setAttribute('style', 'text-anchor:middle');
			none.textContent = 'No samples in this range';
			root.appendChild(none);
		} else if (total && none) {
			none.parentNode.removeChild(none);
		}
		if (keep >= 0 && vis[keep])
			zoom(frameOfNode[keep]);
		else
			unzoom();
		if (term !== null)
			search(term);
		frames.appendChild(fresh);
	}

	/* ---- selections ---- */

	var sel = null;		/* {a, b}: quanta, or null for the whole capture */
	var span = step * ncols;

	function secs(q) {	/* quanta as --from/--to write them */
		if (!isFinite(q))
			return q < 0 ? 'the start' : 'the end';
		var per = 1e9 / Q, s = String(Math.floor(q / per)), f = q % per;
		if (!f)
			return s;
		var digits = String(per).length - 1, fr = String(f);
		while (fr.length < digits)
			fr = '0' + fr;
		return s + '.' + fr.replace(/0+$/, '');
	}
	/* A --from/--to value in quanta, rounded to the nearest: what
	 * psys-fold reads as (int64)(v * 1e9 + 0.5) ns. */
	function parseSecs(s) {
		if (!/^\+?(\d+\.?\d*|\.\d+)$/.test(s))
			return NaN;
		var v = parseFloat(s.replace('+', ''));
		if (!(v >= 0 && v <= 1e9))
			return NaN;
		return Math.floor(Math.floor(v * 1e9 + 0.5) / Q + 0.5);
	}
	function clock(q) {
		var d = new Date(local0 + q * Q / 1e6), p2 = function (v, n) {
			v = String(v);
			while (v.length < (n || 2))
				v = '0' + v;
			return v;
		};
		return p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ':' +
			p2(d.getUTCSeconds()) + '.' + p2(d.getUTCMilliseconds(), 3);
	}
	function xOf(q) {
		var v = px + q / span * pw;
		return v < px ? px : v > px + pw ? px + pw : v;
	}

	function select(a, b) {
		if (!(a < b)) {
			return;
		}
		sel = { a: a, b: b };
		redraw(a, b);
		selRect.setAttribute('x', xOf(a).toFixed(2));
		selRect.setAttribute('width', Math.max(1, xOf(b) - xOf(a)).toFixed(2));
		selRect.setAttribute('class', '');
		resetBtn.setAttribute('class', 'button');
		info.textContent = secs(a) + (isFinite(a) ? ' s' : '') + ' to ' + secs(b) +
			(isFinite(b) ? ' s' : '') + ' (' + clock(isFinite(a) ? a : 0) + ' to ' +
			clock(isFinite(b) ? b : span) + ' ' + zone + '): ' + group(total) + ' ' +
			countname;
		tv.setAttribute('data-samples', total);
		setState();
	}
	function whole() {
		sel = null;
		redraw(-Infinity, Infinity);
		selRect.setAttribute('class', 'hidden');
		resetBtn.setAttribute('class', 'button hidden');
		info.textContent = infoText;
		tv.removeAttribute('data-samples');
		setState();
	}
	timeState = function (p) {
		p.delete('from');
		p.delete('to');
		if (sel) {
			if (isFinite(sel.a))
				p.set('from', secs(sel.a));
			if (isFinite(sel.b))
				p.set('to', secs(sel.b));
		} else {
			p.delete('from');
			p.delete('to');
		}
	};

	/* Pointer: drag across the plot, or click a column or a mark. */
	function quantumAt(ev) {
		var m = plot.getScreenCTM(), pt = root.createSVGPoint();
		pt.x = ev.clientX;
		pt.y = ev.clientY;
		var x = m ? pt.matrixTransform(m.inverse()).x : ev.clientX;
		return { x: x, col: Math.max(0, Math.min(ncols - 1, Math.floor((x - px) / pw * ncols))) };
	}
	var drag = null;
	tv.addEventListener('mousedown', function (e) {
		if (e.button !== 0 || !(e.target === plot || tvMark(e.target)))
			return;
		e.preventDefault();
		drag = quantumAt(e);
		drag.mark = tvMark(e.target);
	});
	function tvMark(el) {
		while (el && el !== tv) {
			if (el.getAttribute && (el.getAttribute('class') || '').split(' ').indexOf('tvmark') >= 0)
				return el;
			el = el.parentNode;
		}
		return null;
	}
	window.addEventListener('mousemove', function (e) {
		if (!drag)
			return;
		var at = quantumAt(e), c1 = Math.min(drag.col, at.col), c2 = Math.max(drag.col, at.col);
		selRect.setAttribute('x', xOf(c1 * step).toFixed(2));
		selRect.setAttribute('width', (xOf((c2 + 1) * step) - xOf(c1 * step)).toFixed(2));
		selRect.setAttribute('class', '');
	});
	window.addEventListener('mouseup', function (e) {
		if (!drag)
			return;
		var at = quantumAt(e), d = drag;
		drag = null;
		if (Math.abs(at.x - d.x) < 3 && d.mark) {
			select(parseSecs(d.mark.getAttribute('data-a')), parseSecs(d.mark.getAttribute('data-b')));
			return;
		}
		var c1 = Math.min(d.col, at.col), c2 = Math.max(d.col, at.col);
		select(c1 * step, (c2 + 1) * step);
	});
	resetBtn.addEventListener('click', whole);
	/* Keys: arrows move the selection a column, shift+arrows move its
	 * end; with no selection they take the first or last column. */
	timeKeys = function (e) {
		if (e.ctrlKey || e.metaKey || e.altKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight'))
			return;
		var dir = e.key === 'ArrowLeft' ? -1 : 1;
		e.preventDefault();
		if (sel && !isFinite(sel.a))
			sel.a = 0;
		if (sel && !isFinite(sel.b))
			sel.b = span;
		if (!sel) {
			var c = dir > 0 ? 0 : ncols - 1;
			select(c * step, (c + 1) * step);
		} else if (e.shiftKey) {
			if (sel.b + dir * step > sel.a)
				select(sel.a, sel.b + dir * step);
		} else if (sel.a + dir * step >= 0 && sel.a + dir * step < span) {
			select(sel.a + dir * step, sel.b + dir * step);
		}
	};

	/* The URL's from/to, as psys-fold reads --from and --to. */
	var fa = url ? url.get('from') : null, fb = url ? url.get('to') : null;
	if (fa !== null || fb !== null) {
		var a = fa !== null ? parseSecs(fa) : -Infinity, b = fb !== null ? parseSecs(fb) : Infinity;
		if (a === a && b === b && a < b)
			select(a, b);
	}
	return { select: function (a, b) { select(parseSecs(a), parseSecs(b)); },
		 whole: whole, samples: function () { return total; },
		 nsamples: nsamples };
}

/* A shared link brings its view: ?x=START&y=DEPTH zooms, ?s=RE searches,
 * i=1 ignores case (and from/to select a range of the time view). */
if (url) {
	var p = url;
	if (p.get('i') === '1') {
		ic = true;
		icBtn.setAttribute('class', 'button on');
	}
	if (p.has('x') && p.has('y')) {
		var px = +p.get('x'), py = +p.get('y');
		for (var i = 0; i < all.length; i++) {
			if (all[i].d === py && all[i].x === px) {
				zoom(all[i]);
				break;
			}
		}
	}
	if (p.has('s') && p.get('s') !== '')
		search(p.get('s'));
}
window.psysFlame = { zoom: zoom, unzoom: unzoom, search: search,
		     resetSearch: resetSearch, time: api,
		     /* the frames shown, their tooltips up to date */
		     frames: function () { all.forEach(tip); return all; } };
})();
