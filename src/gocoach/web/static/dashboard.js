// Dashboard charts, drawn with the shipped uPlot from the JSON in the page.
// Every chart also has a caption and a data table, so nothing is lost without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("chart-data");
  if (!source || typeof uPlot === "undefined") return;
  const data = JSON.parse(source.textContent);
  const text = data.text;  // the labels in the page's language
  const width = (el) => Math.max(280, el.clientWidth || 600);

  const burnup = document.querySelector('[data-chart="burnup"]');
  if (burnup && data.burnup.weeks.length) {
    new uPlot({
      width: width(burnup), height: 260,
      scales: { x: { time: false } },
      axes: [{ label: text.week }, { label: text.hours }],
      series: [
        { label: text.week },
        { label: text.planned, stroke: "#00add8", width: 2 },
        { label: text.logged, stroke: "#2e9d57", width: 2, spanGaps: false },
      ],
    }, [data.burnup.weeks, data.burnup.planned, data.burnup.logged], burnup);
  }

  const forecast = document.querySelector('[data-chart="forecast"]');
  if (forecast && data.forecast.days.length) {
    // days as positions, worded by the server (uPlot would write US dates: 12/7)
    const xs = data.forecast.days.map((_, i) => i);
    const day = (i) => data.forecast.labels[Math.round(i)] ?? "";
    new uPlot({
      width: width(forecast), height: 200,
      scales: { x: { time: false } },
      axes: [{ values: (u, ticks) => ticks.map(day) }, {}],
      series: [
        { label: text.day, value: (u, i) => (i == null ? "—" : day(i)) },
        { label: text.due, stroke: "#d99a00", fill: "rgba(217,154,0,.35)",
          paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } },
      ],
    }, [xs, data.forecast.due], forecast);
  }
});
