// Draws every figure of the page with the locally served plotly.js. Each figure is the JSON of a
// plotly.py figure in <script type="application/json" class="figure" data-target="element id">.
// Nothing is fetched from elsewhere: no mathjax, no topojson, no CDN.

const config = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ["lasso2d", "select2d", "sendDataToCloud"],
  showLink: false,
  showEditInChartStudio: false,
  plotlyServerURL: "",
  topojsonURL: "",
  typesetMath: false,
};

function draw() {
  if (!window.Plotly) return;
  for (const node of document.querySelectorAll('script[type="application/json"].figure')) {
    const target = document.getElementById(node.dataset.target);
    if (!target) continue;
    const figure = JSON.parse(node.textContent);
    window.Plotly.newPlot(target, figure.data, figure.layout, config);
  }
}

// The printable report's button (shown only when scripts run; the browser's own Print works regardless).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", draw);
} else {
  draw();
}
