import { readFileSync } from 'node:fs';

export type Lang = 'en' | 'ko';
export const labels: Record<Lang, Record<string, string>> = JSON.parse(
  readFileSync(new URL('./assets/i18n.json', import.meta.url), 'utf8'),
);

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Korean for a Korean browser or ?lang=ko; the page's toggle switches without a reload. */
export function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'ko' || query === 'en') return query;
  return /^ko\b/i.test(acceptLanguage ?? '') ? 'ko' : 'en';
}

const REPORT_TYPES = ['AD', 'AD_DETAIL', 'AD_CONVERSION', 'AD_CONVERSION_DETAIL'];
const STATUSES = ['requested', 'downloading', 'processing', 'writing', 'completed', 'failed'];

/**
 * The dashboard's one page, rendered with the labels of `lang`. It carries no data: the script signs in with the
 * token pasted into it and fills the sections from the API and GET /events.
 */
export function renderPage(lang: Lang): string {
  const l = labels[lang];
  const t = (key: string) => `data-i18n="${key}">${escapeHtml(l[key] ?? key)}`;
  const field = (name: string, input: string, key = name) =>
    `<div class="field" data-field="${name}"><label for="f-${name}" ${t(key)}</label>${input}` +
    `<p class="field-error" id="err-${name}" role="alert"></p></div>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reportline</title>
<link rel="stylesheet" href="/ui/style.css">
</head>
<body>
<header>
  <h1 ${t('title')}</h1>
  <span id="live" class="live" hidden></span>
  <button id="lang" type="button" ${t('lang')}</button>
  <button id="signout" type="button" hidden ${t('signOut')}</button>
</header>
<main>
<section id="signin">
  <form id="signin-form">
    <label for="token" ${t('token')}</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
    <p class="help" ${t('tokenHelp')}</p>
    <p class="error" id="signin-error" role="alert"></p>
    <button type="submit" ${t('signIn')}</button>
  </form>
</section>
<div id="app" hidden>
<section id="imports-section">
  <h2 ${t('imports')}</h2>
  <div class="filters">
    <label><span ${t('filterConnection')}</span> <select id="filter-connection"><option value="" ${t('all')}</option></select></label>
    <label><span ${t('filterStatus')}</span> <select id="filter-status"><option value="" ${t('all')}</option>${STATUSES.map(
      (s) => `<option value="${s}" ${t(`status.${s}`)}</option>`,
    ).join('')}</select></label>
  </div>
  <table id="imports"><thead><tr>
    <th ${t('connection')}</th><th ${t('stage')}</th><th ${t('days')}</th><th ${t('rows')}</th><th ${t('requestedAt')}</th><th></th>
  </tr></thead><tbody></tbody></table>
  <p id="imports-empty" class="empty" ${t('noImports')}</p>
</section>
<section id="connections-section">
  <h2 ${t('connections')}</h2>
  <table id="connections"><thead><tr>
    <th ${t('connection')}</th><th ${t('health')}</th><th ${t('nextRun')}</th><th ${t('lastResult')}</th><th></th>
  </tr></thead><tbody></tbody></table>
  <p id="connections-empty" class="empty" ${t('noConnections')}</p>
</section>
<section id="link-section">
  <h2 ${t('link')}</h2>
  <form id="link-form" novalidate>
    ${field('customerId', '<input id="f-customerId" name="customerId" inputmode="numeric" required>')}
    ${field('apiKey', '<input id="f-apiKey" name="apiKey" autocomplete="off" required>')}
    ${field('secret', '<input id="f-secret" name="secret" type="password" autocomplete="off" required>')}
    ${field('spreadsheetId', '<input id="f-spreadsheetId" name="spreadsheetId" placeholder="https://docs.google.com/spreadsheets/d/…" required>', 'spreadsheet')}
    ${field('sheetName', '<input id="f-sheetName" name="sheetName" value="로우데이터" required>')}
    <fieldset class="field" data-field="reportTypes"><legend ${t('reportTypes')}</legend>${REPORT_TYPES.map(
      (r) =>
        `<label><input type="checkbox" name="reportTypes" value="${r}"${r === 'AD' ? ' checked' : ''}> ${r}</label>`,
    ).join(' ')}<p class="field-error" id="err-reportTypes" role="alert"></p></fieldset>
    ${field('layout', `<select id="f-layout" name="layout"><option value="" ${t('layoutDefault')}</option></select>`)}
    ${field('historyDays', '<input id="f-historyDays" name="historyDays" type="number" min="1" max="365" value="30">')}
    ${field('scheduleTime', '<input id="f-scheduleTime" name="scheduleTime" type="time" value="06:30">')}
    ${field('name', '<input id="f-name" name="name">')}
    <p class="error" id="link-error" role="alert"></p>
    <p class="ok" id="link-ok" role="status"></p>
    <button type="submit" ${t('create')}</button>
  </form>
</section>
<section id="locks-section">
  <h2 ${t('locks')}</h2>
  <div id="locks"></div>
</section>
</div>
</main>
<script type="module" src="/ui/app.js"></script>
</body>
</html>
`;
}
