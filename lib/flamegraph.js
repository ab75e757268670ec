/* The interactive part of psys-svg's flame graphs, embedded in every SVG.
 * It reads the frames the SVG already has (data-x: left edge, data-n:
 * width, both in counts; the <title> tooltip; the rect) and the settings
 * on #frames, and adds click-to-zoom, regex search and the URL state. */
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
var nametype = cfg('nt') || '';
/* The tooltip is 'NAME (COUNT COUNTNAME, ...)': the name ends at the
 * opening parenthesis of the statistics, counted from the end. */
var statParens = (cfg('cn') || '').split(' (').length;
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
		fill: r.getAttribute('fill'), name: null, hit: false
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

function label(f, width) {
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
		f.text.setAttribute('y', ty + +f.rect.getAttribute('y'));
		f.g.appendChild(f.text);
	}
	f.text.setAttribute('x', (+f.rect.getAttribute('x') + 3).toFixed(2));
	f.text.textContent = s;
}

function place(f, x, width, show, parent) {
	f.g.style.display = show ? '' : 'none';
	if (!show)
		return;
	f.rect.setAttribute('x', x.toFixed(2));
	f.rect.setAttribute('width', width.toFixed(2));
	/* classList: a class --nameattr gave the frame stays. */
	if (parent)
		f.g.classList.add('parent');
	else
		f.g.classList.remove('parent');
	label(f, width);
}

function setState() {
	try {
		var p = new URLSearchParams(location.search);
		if (zoomed) {
			p.set('x', zoomed.g.getAttribute('data-x'));
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
	matchedText.nodeValue = 'Matched: ' + (100 * sum / total).toFixed(2) + '%';
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
		details.nodeValue = nametype + ' ' + f.g.firstElementChild.textContent;
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
window.addEventListener('keydown', function (e) {
	if (e.key === 'F3' || ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F'))) {
		e.preventDefault();
		askSearch();
	} else if ((e.ctrlKey || e.metaKey) && (e.key === 'i' || e.key === 'I')) {
		e.preventDefault();
		toggleCase();
	} else if (e.key === 'Escape' && term !== null) {
		resetSearch();
	}
});

/* A shared link brings its view: ?x=START&y=DEPTH zooms, ?s=RE searches,
 * i=1 ignores case. */
try {
	var p = new URLSearchParams(location.search);
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
} catch (e) {
	/* no URL state in this viewer */
}
window.psysFlame = { zoom: zoom, unzoom: unzoom, search: search,
		     resetSearch: resetSearch, frames: all };
})();
