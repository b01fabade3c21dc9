// Palette's live dashboard: reads /palette/v1/namespaces/_/dashboard/events (server-sent events,
// the browser's Basic credentials) and draws each snapshot. No framework: every user string goes in
// as text (textContent), never as HTML (R12); charts are SVG elements made here.
'use strict';

(function () {
  const api = '/palette/v1/namespaces/_/dashboard';
  const history = []; // [{time, rates: {policy: perSecond}}], newest last
  const historyMax = 120;
  const palette = ['#3867d6', '#20bf6b', '#eb3b5a', '#f7b731', '#8854d0', '#0fb9b1', '#fa8231', '#4b6584'];
  const policyColors = new Map();
  let source;
  let firstData = true;

  const byId = (id) => document.getElementById(id);
  const el = (tag, props, children) => {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'text') node.textContent = String(v);
        else if (k === 'className') node.className = v;
        // Through the CSSOM: the page's CSP refuses inline style attributes.
        else if (k === 'style') Object.assign(node.style, v);
        else node.setAttribute(k, String(v));
      }
    }
    for (const child of children || []) node.append(child);
    return node;
  };
  const svg = (tag, attrs) => {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  };
  const percent = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);
  const fixed = (x) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
  const clockTime = (ms) => new Date(ms).toLocaleTimeString();

  function colorOf(policy) {
    if (!policyColors.has(policy)) policyColors.set(policy, palette[policyColors.size % palette.length]);
    return policyColors.get(policy);
  }

  function filterQuery() {
    const params = new URLSearchParams();
    const color = byId('f-color').value;
    const action = byId('f-action').value.trim();
    if (color !== '') params.set('color', color);
    if (action !== '') params.set('action', action);
    const text = params.toString();
    return text === '' ? '' : `?${text}`;
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(`${api}/events${filterQuery()}`);
    source.addEventListener('snapshot', (event) => {
      try {
        render(JSON.parse(event.data));
      } catch (err) {
        setState('lost', `bad snapshot: ${err.message}`);
      }
    });
    source.addEventListener('open', () => setState('live', 'live'));
    source.addEventListener('error', () => setState('lost', 'reconnecting…'));
  }

  function setState(state, text) {
    document.body.dataset.state = state;
    byId('state').textContent = text;
  }

  function render(s) {
    setState('live', 'live');
    byId('scope').textContent =
      `${s.controller} · ${s.namespace === '*' ? 'every namespace' : `namespace ${s.namespace}`}`;
    byId('updated').textContent = `updated ${clockTime(s.time)}`;
    renderTiles(s);
    renderInvokers(s.invokers);
    renderRates(s);
    renderOffHome(s);
    renderTopColors(s);
    renderActivations(s.activations);
    if (firstData) {
      firstData = false;
      // Read by the browser test: milliseconds from navigation start to the first snapshot drawn.
      document.body.dataset.firstDataMs = String(Math.round(performance.now()));
    }
  }

  function renderTiles(s) {
    const total = Object.values(s.ratesByPolicy).reduce((a, b) => a + b, 0);
    byId('t-inflight').textContent = String(s.inFlight);
    byId('t-rate').textContent = fixed(total);
    byId('t-offhome').textContent = s.offHome.placed === 0 ? '–' : percent(s.offHome.share);
    const up = s.invokers.filter((i) => i.status === 'up').length;
    byId('t-invokers').textContent = `${up} / ${s.invokers.length}`;
  }

  function renderInvokers(invokers) {
    const rows = invokers.map((i) => {
      const bar = el('span', { className: 'bar', title: `${i.warm} warm, ${i.cold} cold` }, [
        el('span', { className: 'warm', style: { width: `${(i.warmShare ?? 0) * 100}%` } }),
      ]);
      return el('tr', { 'data-invoker': i.id }, [
        el('td', { className: 'text', text: i.name }),
        el('td', {}, [el('span', { className: `dot ${i.status}` }), document.createTextNode(i.status)]),
        el('td', { className: 'num', text: i.inFlight }),
        el('td', { className: 'num', text: i.colors }),
        el('td', {}, [bar, document.createTextNode(`${percent(i.warmShare)} (${i.warm + i.cold})`)]),
      ]);
    });
    byId('invokers').tBodies[0].replaceChildren(...rows);
    byId('no-invokers').hidden = invokers.length > 0;
  }

  function renderRates(s) {
    history.push({ time: s.time, rates: s.ratesByPolicy });
    if (history.length > historyMax) history.shift();
    const policies = [...new Set(history.flatMap((h) => Object.keys(h.rates)))].sort();
    const max = Math.max(1, ...history.flatMap((h) => Object.values(h.rates)));
    const width = 400;
    const height = 140;
    const x = (k) => (history.length <= 1 ? width : (k / (historyMax - 1)) * width);
    const y = (v) => height - 4 - (v / max) * (height - 16);
    const nodes = [
      svg('line', { x1: 0, y1: y(0), x2: width, y2: y(0), stroke: '#e2e6eb' }),
      svg('text', { x: 4, y: 12, 'font-size': 10, fill: '#6b7685' }),
    ];
    nodes[1].textContent = `max ${fixed(max)}/s over ${s.rateWindowSeconds} s windows`;
    const offset = historyMax - history.length;
    for (const policy of policies) {
      const points = history.map(
        (h, k) => `${x(k + offset).toFixed(1)},${y(h.rates[policy] || 0).toFixed(1)}`,
      );
      nodes.push(
        svg('polyline', {
          points: points.join(' '),
          fill: 'none',
          stroke: colorOf(policy),
          'stroke-width': 2,
          'vector-effect': 'non-scaling-stroke',
        }),
      );
    }
    byId('rates').replaceChildren(...nodes);
    byId('rates-legend').replaceChildren(
      ...policies.map((p) =>
        el('li', {}, [
          el('i', { style: { background: colorOf(p) } }),
          document.createTextNode(`${p} ${fixed(s.ratesByPolicy[p] || 0)}/s`),
        ]),
      ),
    );
  }

  function renderOffHome(s) {
    const o = s.offHome;
    const share = (n) => (o.placed === 0 ? 0 : (n / o.placed) * 100);
    byId('offhome-window').textContent = `(last ${s.windowSeconds} s)`;
    byId('offhome-spilled').style.width = `${share(o.spilled)}%`;
    byId('offhome-forced').style.width = `${share(o.forced)}%`;
    byId('offhome-text').textContent =
      o.placed === 0
        ? 'Nothing placed in the window.'
        : `${percent(o.share)} of ${o.placed} placed off their home invoker: ${o.spilled} spilled, ${o.forced} forced.`;
  }

  function renderTopColors(s) {
    byId('colors-window').textContent = `(last ${s.windowSeconds} s)`;
    const max = Math.max(1, ...s.topColors.map((c) => c.activations));
    const items = s.topColors.map((c) => {
      const name = s.namespace === '*' ? `${c.namespace}: ${c.color}` : c.color;
      const pick = el('a', { href: '#', className: 'name', title: 'show its activations', text: name });
      pick.addEventListener('click', (event) => {
        event.preventDefault();
        byId('f-color').value = c.color;
        connect();
      });
      return el('li', { 'data-color': c.color }, [
        pick,
        el('span', { className: 'fill', style: { width: `${(c.activations / max) * 100}%` } }),
        el('span', { className: 'num', text: c.activations }),
      ]);
    });
    byId('top-colors').replaceChildren(...items);
    byId('no-colors').hidden = items.length > 0;
  }

  function renderActivations(list) {
    const rows = list.map((a) => {
      const failed = a.status !== 'success' && a.status !== 'running' && a.status !== 'done';
      const logs = a.logs.startsWith('/api/v1/namespaces/')
        ? el('a', { href: a.logs, target: '_blank', rel: 'noopener', text: 'logs' })
        : document.createTextNode('');
      return el('tr', { 'data-activation': a.activationId }, [
        el('td', { text: clockTime(a.placedAt), title: a.activationId }),
        el('td', { className: 'text', text: a.action, title: a.action }),
        el('td', { className: 'text color', text: a.color ?? '', title: a.color ?? '' }),
        el('td', {
          className: 'num',
          text:
            a.invoker === undefined
              ? a.kind
              : a.home === a.invoker
                ? a.invoker
                : `${a.invoker} (home ${a.home})`,
        }),
        el('td', { text: a.reason ?? '' }),
        el('td', { text: a.policy }),
        el('td', { className: failed ? 'status-error' : `status-${a.status}`, text: a.status }),
        el('td', { className: 'num', text: a.duration ?? '' }),
        el('td', { text: a.warm === undefined ? '' : a.warm ? 'warm' : 'cold' }),
        el('td', {}, [logs]),
      ]);
    });
    byId('activations').tBodies[0].replaceChildren(...rows);
    byId('no-activations').hidden = rows.length > 0;
  }

  function start() {
    const form = byId('filter');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      connect();
    });
    form.addEventListener('reset', () => setTimeout(connect, 0));
    connect();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
