/* Compliance dashboard charts (Chart.js from static/js). The numbers come from the
   json_script block the page renders; every chart has the same numbers in a table. */
(function () {
  "use strict";
  var source = document.getElementById("compliance-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1d6b36", "#0b5cad", "#b8c2cc", "#8a5300", "#a1261b", "#5a6472"];

  function datasets(series, colours) {
    return series.map(function (s, i) {
      return { label: s.label, data: s.data, backgroundColor: (colours || palette)[i % palette.length] };
    });
  }

  function draw(id, chart, options) {
    var canvas = document.getElementById(id);
    if (!canvas || !chart || !chart.labels.length) { return; }
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets(chart.series, options.colours) },
      options: {
        indexAxis: options.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: options.stacked, max: options.horizontal && options.percent ? 100 : undefined,
               ticks: { precision: 0 } },
          y: { stacked: options.stacked, beginAtZero: true,
               max: !options.horizontal && options.percent ? 100 : undefined, ticks: { precision: 0 } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  draw("chart-stages", data.stages, { stacked: true, horizontal: true, colours: ["#1d6b36", "#0b5cad", "#b8c2cc"] });
  draw("chart-units", data.units, { stacked: false, horizontal: false, percent: true });
  draw("chart-ratings", data.ratings, { stacked: true, horizontal: true, percent: true });
})();
