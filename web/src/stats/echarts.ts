/**
 * ECharts, modular: only the core, the bar and line charts, the components used and the canvas
 * renderer (the full bundle is ~1 MB). Loaded on demand when the statistics panel first draws a chart.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
