// The reference drawer's page: fills the form from the server, saves, tests, and charts 30 days.
// Plain browser JavaScript, no framework and nothing from a CDN. The password is sent once, with Save,
// and the page never receives it back.

const $ = (id) => document.getElementById(id);
const fields = ['email', 'host', 'port', 'username', 'password'];
const SVG = 'http://www.w3.org/2000/svg';
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

function showSettings(settings) {
  for (const field of ['email', 'host', 'port', 'username']) $(field).value = settings[field] ?? '';
  $('password').value = '';
  $('password').placeholder = settings.hasPassword
    ? 'Saved — leave empty to keep it'
    : 'App-specific password';
  $('test').disabled = !settings.hasPassword;
}

function showFieldIssues(issues) {
  for (const element of document.querySelectorAll('.field-error')) {
    const issue = issues.find((candidate) => candidate.field === element.dataset.field);
    element.hidden = issue === undefined;
    element.textContent = issue?.message ?? '';
  }
}

function showWarnings(warnings) {
  const box = $('warnings');
  box.replaceChildren(
    ...warnings.map((warning) => {
      const line = document.createElement('div');
      line.textContent = `⚠️ ${warning.message}`;
      return line;
    }),
  );
  box.hidden = warnings.length === 0;
}

function showResult(kind, message, fix) {
  const section = $('result');
  section.hidden = false;
  section.className = kind;
  $('result-message').textContent = message;
  $('result-fix').hidden = fix === undefined;
  $('result-fix').textContent = fix ?? '';
}

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// Grouped bars: per day a sent bar and a received bar, integer pixel positions and crisp edges so that
// every bar is one solid colour (the browser test reads them from a screenshot).
function drawChart(counts) {
  const slot = 20;
  const left = 36;
  const plotHeight = 160;
  const baseline = 8 + plotHeight;
  const width = left + slot * counts.days.length;
  const max = Math.max(1, ...counts.days.flatMap((day) => [day.sent, day.received]));
  const svg = svgElement('svg', {
    width,
    height: baseline + 24,
    viewBox: `0 0 ${width} ${baseline + 24}`,
    role: 'img',
    'aria-label': `Sent and received email per day, last ${counts.days.length} days`,
    'shape-rendering': 'crispEdges',
  });
  svg.append(
    svgElement('line', { x1: left, x2: width, y1: 8, y2: 8, stroke: '#e5e7eb' }),
    svgElement('text', { x: left - 6, y: 12, 'text-anchor': 'end' }, String(max)),
    svgElement('text', { x: left - 6, y: baseline, 'text-anchor': 'end' }, '0'),
    svgElement('line', { x1: left, x2: width, y1: baseline + 0.5, y2: baseline + 0.5, stroke: '#9ca3af' }),
  );
  counts.days.forEach((day, index) => {
    const x = left + index * slot;
    for (const [kind, offset, color] of [
      ['sent', 3, '#2563eb'],
      ['received', 11, '#16a34a'],
    ]) {
      const value = day[kind];
      if (value === 0) continue;
      const height = Math.max(2, Math.round((value / max) * plotHeight));
      const bar = svgElement('rect', {
        class: `bar ${kind}`,
        x: x + offset,
        y: baseline - height,
        width: 6,
        height,
        fill: color,
        'data-date': day.date,
        'data-count': value,
      });
      bar.append(svgElement('title', {}, `${day.date}: ${value} ${kind}`));
      svg.append(bar);
    }
    // A date every week, and the last day unless the previous label is too close to it.
    const last = index === counts.days.length - 1;
    if (index % 7 === 0 || (last && index % 7 >= 4)) {
      svg.append(
        svgElement('text', { x: x + slot / 2, y: baseline + 16, 'text-anchor': 'middle' }, day.date.slice(5)),
      );
    }
  });
  $('chart').replaceChildren(svg);
  $('total-sent').textContent = `(${counts.sent})`;
  $('total-received').textContent = `(${counts.received})`;
  $('chart-section').hidden = false;
}

async function loadChart() {
  const { status, body } = await api('GET', `/api/counts?tz=${encodeURIComponent(timeZone)}`);
  if (status !== 200) return showResult('error', body.message, body.fix);
  drawChart(body);
  document.body.dataset.chart = 'ready';
}

// A new address makes the last Discover answer stale.
$('email').addEventListener('input', () => {
  $('discover-note').hidden = true;
});

$('email').addEventListener('change', () => {
  if ($('username').value === '') $('username').value = $('email').value.trim();
});

$('discover').addEventListener('click', async () => {
  const note = $('discover-note');
  note.hidden = false;
  note.textContent = 'Looking up the settings…';
  const { body } = await api('POST', '/api/discover', { email: $('email').value });
  note.classList.toggle('error', !body.ok);
  if (!body.ok) {
    note.textContent = body.fix === undefined ? body.message : `${body.message} ${body.fix}`;
    return;
  }
  $('host').value = body.host;
  $('port').value = String(body.port);
  $('username').value = body.username;
  note.textContent = [`Found via ${body.from}, confidence ${body.confidence}.`, ...body.notes].join(' ');
});

$('settings').addEventListener('submit', async (event) => {
  event.preventDefault();
  const values = Object.fromEntries(fields.map((field) => [field, $(field).value]));
  const { body } = await api('PUT', '/api/settings', values);
  showFieldIssues(body.ok ? [] : body.issues);
  showWarnings(body.ok ? body.warnings : []);
  if (body.ok) {
    showSettings(body.settings);
    showResult('ok', 'Saved. Click Test to check the connection.');
    document.body.dataset.saved = 'yes';
  }
});

$('test').addEventListener('click', async () => {
  $('test').disabled = true;
  $('chart-section').hidden = true;
  showResult('', 'Testing…');
  try {
    const { body } = await api('POST', '/api/test');
    if (body.ok) {
      showResult('ok', `✅ ${body.message}`);
      await loadChart();
    } else {
      showResult('error', body.message, body.fix);
    }
  } finally {
    $('test').disabled = false;
    document.body.dataset.tested = String(Date.now());
  }
});

const initial = await api('GET', '/api/settings');
showSettings(initial.body);
document.body.dataset.loaded = 'yes';
