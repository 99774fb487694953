// Browser side of the HTML report (inlined into the page after uPlot). It only plots numbers that Node computed;
// every label reaches the page through uPlot's textContent legend or canvas text, never through innerHTML.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
  var multiRun = data.runs.length > 1;

  function colour(i) {
    return PALETTE[i % PALETTE.length];
  }
  function dash(i) {
    return DASHES[i % DASHES.length];
  }
  function chartWidth(el) {
    // The chart's own grid cell sets the width; uPlot needs a number.
    return Math.max(320, Math.min(900, el.clientWidth || 600) - 4);
  }
  function short(s, n) {
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }
  // A legend cell with no value under the cursor (or no cursor) stays empty: no "-- ms" placeholders.
  function withUnit(digits, unit) {
    return function (u, v) {
      return v == null ? '' : Number(v).toFixed(digits) + (unit ? ' ' + unit : '');
    };
  }
  function runIndex(name) {
    return data.runs.findIndex(function (r) { return r.name === name; });
  }

  // Align series that have their own x values onto one sorted x axis (uPlot shares x across series).
  function align(seriesList) {
    var xsSet = {};
    seriesList.forEach(function (s) {
      s.t.forEach(function (t) {
        xsSet[t] = true;
      });
    });
    var xs = Object.keys(xsSet)
      .map(Number)
      .sort(function (a, b) {
        return a - b;
      });
    var cols = seriesList.map(function (s) {
      var m = new Map();
      s.t.forEach(function (t, i) {
        m.set(t, s.v[i]);
      });
      if (!s.stepped) {
        return xs.map(function (x) {
          return m.has(x) ? m.get(x) : null;
        });
      }
      // A gauge holds its last sample until the next one: within its own samples' span, carry it forward over
      // the x values other series added (else every foreign x would cut the step line).
      var first = s.t.length ? s.t[0] : Infinity;
      var last = s.t.length ? s.t[s.t.length - 1] : -Infinity;
      var held = null;
      return xs.map(function (x) {
        if (m.has(x)) held = m.get(x);
        return x >= first && x <= last ? held : null;
      });
    });
    return [xs].concat(cols);
  }

  var NINE_TICKS = [0, Math.log10(2), 1, 2, 3];
  var NINE_LABELS = ['p0', 'p50', 'p90', 'p99', 'p99.9'];

  function percentileChart(el, title, curves, styleOf) {
    var series = [{ label: 'percentile', value: function (u, x) { return x == null ? '' : 'p' + (100 * (1 - Math.pow(10, -x))).toFixed(2); } }];
    var cols = [data.percentileXs];
    curves.forEach(function (c, i) {
      var st = styleOf(c, i);
      series.push({ label: st.label, stroke: st.stroke, dash: st.dash, width: 2, value: withUnit(2, 'ms') });
      cols.push(c.values);
    });
    new uPlot(
      {
        title: title,
        width: chartWidth(el),
        height: 280,
        scales: { x: { time: false, range: [0, 3] }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } } },
        axes: [
          { label: 'percentile', splits: function () { return NINE_TICKS; }, values: function () { return NINE_LABELS; } },
          { label: 'ms', size: 60 },
        ],
        series: series,
      },
      cols,
      el,
    );
  }

  function overallStyle(c, i) {
    return { label: c.run, stroke: colour(i), dash: [] };
  }

  function podStyleFactory() {
    return function (c) {
      var podIdx = data.pods.indexOf(c.dimension);
      return { label: multiRun ? c.run + ' · ' + c.dimension : c.dimension, stroke: colour(podIdx), dash: dash(runIndex(c.run)) };
    };
  }

  // Tag curves (class=short, class=long, …): colour per tag value, dash per run.
  function tagStyle(c) {
    var tags = [];
    data.tagCurves.forEach(function (x) { if (tags.indexOf(x.dimension) < 0) tags.push(x.dimension); });
    return { label: multiRun ? c.run + ' · ' + c.dimension : c.dimension, stroke: colour(tags.indexOf(c.dimension)), dash: dash(runIndex(c.run)) };
  }

  // Stage boundaries (and the end of a warm-up) as dashed vertical lines in the run's colour, on every time chart.
  function drawMarks(u) {
    // What was drawn is written on the chart's element, so a test can read it without parsing pixels.
    u.root.parentNode.setAttribute('data-x-range', u.scales.x.min + ',' + u.scales.x.max);
    var drawn = 0;
    var ctx = u.ctx;
    var top = u.bbox.top;
    var bottom = u.bbox.top + u.bbox.height;
    ctx.save();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5 * uPlot.pxRatio;
    ctx.font = 11 * uPlot.pxRatio + 'px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    data.marks.forEach(function (m) {
      var x = Math.round(u.valToPos(m.t, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      var ri = runIndex(m.run);
      var c = colour(ri);
      ctx.strokeStyle = c;
      ctx.fillStyle = c;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      // One label row per run, so two runs' stages starting close together stay readable.
      ctx.fillText(multiRun ? m.run + ': ' + m.label : m.label, x + 3 * uPlot.pxRatio, top + (2 + 13 * Math.max(0, ri)) * uPlot.pxRatio);
      drawn++;
    });
    ctx.restore();
    u.root.parentNode.setAttribute('data-marks', String(drawn));
  }

  // Every time chart: seconds since the run's start on x, the same range on all of them.
  function timeChart(el, title, unit, seriesList, digits) {
    if (seriesList.length === 0) return;
    var series = [{ label: 's', value: withUnit(0, 's') }];
    seriesList.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: s.stroke || colour(i),
        dash: s.dash || [],
        width: 2,
        spanGaps: false,
        paths: s.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        value: withUnit(digits == null ? 1 : digits, unit),
      });
    });
    new uPlot(
      {
        title: title,
        width: chartWidth(el),
        height: 240,
        scales: {
          x: { time: false, range: function () { return data.timeRange; } },
          y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
        },
        axes: [{ label: 'seconds since run start' }, { label: unit, size: 60 }],
        series: series,
        hooks: { draw: [drawMarks] },
      },
      align(
        seriesList.map(function (s) {
          return { t: s.t, v: s.v, stepped: s.stepped };
        }),
      ),
      el,
    );
  }

  // Grouped bars: pod i, run k sits at x = i·(runs+1) + k, leaving one empty slot between pods.
  function podSplitChart(el) {
    var nRuns = data.podRequests.length;
    var nPods = data.pods.length;
    if (nPods === 0) return;
    var slot = nRuns + 1;
    var xs = [];
    for (var x = 0; x < nPods * slot - 1; x++) xs.push(x);
    var cols = [xs];
    var series = [{ label: 'pod', value: function (u, v) { return v == null ? '' : data.pods[Math.floor(v / slot)] || ''; } }];
    data.podRequests.forEach(function (pr, k) {
      cols.push(
        xs.map(function (x) {
          var pod = Math.floor(x / slot);
          return x % slot === k ? pr.counts[pod] : null;
        }),
      );
      series.push({
        label: pr.run,
        fill: colour(k),
        stroke: colour(k),
        width: 1,
        points: { show: false },
        paths: uPlot.paths.bars({
          disp: {
            x0: { unit: 1, values: function (u) { return u.data[0].map(function (v) { return v - 0.45; }); } },
            size: { unit: 1, values: function () { return [0.9]; } },
          },
        }),
        value: withUnit(0, 'requests'),
      });
    });
    var centres = data.pods.map(function (_, i) { return i * slot + (nRuns - 1) / 2; });
    new uPlot(
      {
        title: 'Requests per pod',
        width: chartWidth(el),
        height: 280,
        scales: { x: { time: false, range: [-1, nPods * slot - 1] }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
        axes: [
          { splits: function () { return centres; }, values: function () { return data.pods.map(function (p) { return short(p, 24); }); }, rotate: nPods > 6 ? -30 : 0, size: nPods > 6 ? 90 : 40 },
          { label: 'requests', size: 60 },
        ],
        series: series,
        cursor: { points: { show: false } },
      },
      cols,
      el,
    );
  }

  function el(id) {
    return document.getElementById(id);
  }

  ['ttft', 'itl', 'tpot', 'e2e'].forEach(function (m) {
    var label = { ttft: 'TTFT', itl: 'ITL (per token)', tpot: 'TPOT', e2e: 'E2E latency' }[m];
    if (el('chart-overall-' + m)) percentileChart(el('chart-overall-' + m), label + ' — overall', data.overall[m], overallStyle);
    if (el('chart-pod-' + m) && data.perPod[m].length > 0) percentileChart(el('chart-pod-' + m), label + ' — per pod', data.perPod[m], podStyleFactory());
  });
  if (el('chart-pod-split')) podSplitChart(el('chart-pod-split'));
  if (el('chart-tag-ttft') && data.tagCurves.length > 0) percentileChart(el('chart-tag-ttft'), 'TTFT — per tag', data.tagCurves, tagStyle);

  // Percentiles over time: colour per run, dash per percentile (p50 solid, p90 dashed, p99 dotted).
  var QUANTILES = ['p50', 'p90', 'p99'];
  function overTime(pick) {
    var list = [];
    data.timeseries.forEach(function (r, i) {
      var src = pick(r);
      if (!src) return;
      QUANTILES.forEach(function (q, k) {
        list.push({ label: multiRun ? r.run + ' ' + q : q, t: src.t, v: src[q], stroke: colour(i), dash: DASHES[k] });
      });
    });
    return list;
  }
  if (el('chart-time-ttft')) timeChart(el('chart-time-ttft'), 'TTFT percentiles per second (first tokens that arrived in it)', 'ms', overTime(function (r) { return { t: r.t, p50: r.ttft.p50, p90: r.ttft.p90, p99: r.ttft.p99 }; }), 2);
  if (el('chart-time-itl')) timeChart(el('chart-time-itl'), 'ITL percentiles per second (tokens that arrived in it)', 'ms', overTime(function (r) { return r.itl && r.itl.t.length ? r.itl : null; }), 2);

  function ts(field) {
    return data.timeseries.map(function (r) { return { label: r.run, t: r.t, v: r[field] }; });
  }
  if (el('chart-ts-completed')) timeChart(el('chart-ts-completed'), 'Completed requests per second', 'req/s', ts('completedPerS'));
  if (el('chart-ts-tokens')) timeChart(el('chart-ts-tokens'), 'Output tokens per second', 'tok/s', ts('outputTokensPerS'));
  if (el('chart-ts-inflight')) timeChart(el('chart-ts-inflight'), 'Requests in flight (max per second)', 'requests', ts('inFlightMax'), 0);
  if (el('chart-ts-errors')) timeChart(el('chart-ts-errors'), 'Failed requests per second', 'errors/s', ts('errorsPerS'));
  var ready = data.timeseries
    .filter(function (r) { return r.readyPods; })
    .map(function (r) { return { label: r.run, t: r.readyPods.t, v: r.readyPods.value, stepped: true, stroke: colour(runIndex(r.run)) }; });
  if (el('chart-ts-ready') && ready.length > 0) timeChart(el('chart-ts-ready'), 'Ready pods', 'pods', ready, 0);

  document.body.setAttribute('data-charts-rendered', String(document.querySelectorAll('.uplot').length));
})();
