import './style.css';

// Fills the <tbody> of the table with the given id, one row per item.
function renderRows(tableId, items, fields) {
  const tbody = document.querySelector(`#${tableId} tbody`);
  tbody.replaceChildren();

  if (items.length === 0) {
    tbody.append(messageRow(fields.length, 'none yet'));
    return;
  }

  for (const item of items) {
    const tr = document.createElement('tr');
    for (const field of fields) {
      const td = document.createElement('td');
      // textContent, not innerHTML: values come from the API and must not be parsed as markup.
      td.textContent = item[field] ?? '';
      tr.append(td);
    }
    tbody.append(tr);
  }
}

function messageRow(colspan, text) {
  const tr = document.createElement('tr');
  const td = document.createElement('td');
  td.colSpan = colspan;
  td.className = 'message';
  td.textContent = text;
  tr.append(td);
  return tr;
}

// The API needs a token (docs/control-plane.md). Kept for this tab only, never in the URL.
const TOKEN_KEY = 'pgfleet.apiToken';

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function load(tableId, url, fields) {
  try {
    const response = await fetch(url, { headers: { Accept: 'application/json', ...authHeaders() } });
    if (response.status === 401) {
      throw new Error('enter an API token above');
    }
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    renderRows(tableId, await response.json(), fields);
  } catch (err) {
    const tbody = document.querySelector(`#${tableId} tbody`);
    tbody.replaceChildren(messageRow(fields.length, `Could not load ${url}: ${err.message}`));
  }
}

function loadAll() {
  load('nodes', '/api/v1/nodes', ['nodeId', 'status', 'address', 'appliedGeneration']);
  load('upstreams', '/api/v1/fleets/default/upstreams', ['name', 'revision', 'updatedBy']);
}

document.querySelector('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.querySelector('#token');
  sessionStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = '';
  loadAll();
});

loadAll();
