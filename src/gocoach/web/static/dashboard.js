// Dashboard charts, drawn with the shipped uPlot from the JSON in the page.
// Every chart also has a caption and a data table, so nothing is lost without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("chart-data");
  if (!source || typeof uPlot === "undefined") return;
  const data = JSON.parse(source.textContent);
  const width = (el) => Math.max(280, el.clientWidth || 600);

  const burnup = document.querySelector('[data-chart="burnup"]');
  if (burnup && data.burnup.weeks.length) {
    new uPlot({
      width: width(burnup), height: 260,
      scales: { x: { time: false } },
      axes: [{ label: "week" }, { label: "h" }],
      series: [
        { label: "week" },
        { label: "planned", stroke: "#00add8", width: 2 },
        { label: "logged", stroke: "#2e9d57", width: 2, spanGaps: false },
      ],
    }, [data.burnup.weeks, data.burnup.planned, data.burnup.logged], burnup);
  }

  const forecast = document.querySelector('[data-chart="forecast"]');
  if (forecast && data.forecast.days.length) {
    const xs = data.forecast.days.map((d) => Date.parse(d + "T12:00:00Z") / 1000);
    new uPlot({
      width: width(forecast), height: 200,
      series: [
        {},
        { label: "due", stroke: "#d99a00", fill: "rgba(217,154,0,.35)",
          paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } },
      ],
    }, [xs, data.forecast.due], forecast);
  }
});
