// netwatch HTML report: draws the charts from the inlined JSON and makes the tables sortable.
// No network access: ECharts is inlined in the same file.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('nw-charts').textContent);
  var charts = [];
  data.forEach(function (c) {
    var el = document.getElementById('chart-' + c.id);
    if (!el || typeof echarts === 'undefined') return;
    // SVG: crisp when printed or zoomed, and each data point is an element a test can find.
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption(c.option);
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.setAttribute('data-charts-rendered', String(charts.length));

  function key(td) {
    var v = td.getAttribute('data-v');
    return v === null ? td.textContent : v;
  }
  function sortBy(table, col, numeric, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]);
      var y = key(b.cells[col]);
      var r = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
      return dir * r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var activate = function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var numeric = th.classList.contains('num') || Array.prototype.every.call(table.tBodies[0].rows, function (r) {
          var v = r.cells[col].getAttribute('data-v');
          return v !== null && v !== '' && !isNaN(Number(v));
        });
        sortBy(table, col, numeric, dir);
      };
      th.addEventListener('click', activate);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); } });
    });
  });
})();
