/**
 * Points drawn with WebGL 1, written here because the WebGL scatter libraries we tried compile
 * their shaders' JavaScript with eval, which the app's Content-Security-Policy forbids. One draw
 * call for every point: position, colour and size per point; a selected point drawn larger and
 * outlined. The view is a 2-D transform (scale, offset) from data space ([-1, 1]) to clip space.
 */

const VERTEX = `
attribute vec2 position;
attribute vec3 color;
attribute float size;
attribute float selected;
uniform vec2 scale;
uniform vec2 offset;
uniform float pixelRatio;
uniform float anySelected;
varying vec3 vColor;
varying float vSelected;
void main() {
  gl_Position = vec4(position * scale + offset, 0.0, 1.0);
  gl_PointSize = (size + selected * 3.0) * pixelRatio;
  vColor = color;
  vSelected = selected + (1.0 - anySelected);
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 vColor;
varying float vSelected;
void main() {
  vec2 c = gl_PointCoord - vec2(0.5);
  float r = length(c);
  if (r > 0.5) discard;
  // Unselected points fade while a selection is shown.
  float alpha = vSelected > 0.5 ? 0.9 : 0.25;
  gl_FragColor = vec4(vColor * alpha, alpha);
}`;

export interface View {
  /** Data units per half canvas width/height, and the data point at the centre. */
  zoom: number;
  cx: number;
  cy: number;
}

export class PointRenderer {
  private readonly gl: WebGLRenderingContext;
  private readonly program: WebGLProgram;
  private readonly buffers: Record<'position' | 'color' | 'size' | 'selected', WebGLBuffer>;
  private count = 0;
  private anySelected = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: true });
    if (!gl) throw new Error('WebGL is not available in this browser');
    this.gl = gl;
    this.program = link(gl, VERTEX, FRAGMENT);
    const buffer = () => gl.createBuffer()!;
    this.buffers = { position: buffer(), color: buffer(), size: buffer(), selected: buffer() };
  }

  setPoints(xy: Float32Array): void {
    this.count = xy.length / 2;
    this.upload('position', xy);
    this.setColors(new Uint8Array(this.count * 3).fill(120));
    this.setSizes(new Float32Array(this.count).fill(3));
    this.setSelected(new Uint8Array(this.count));
  }

  /** RGB bytes per point. */
  setColors(rgb: Uint8Array): void {
    this.upload('color', rgb);
  }

  /** Diameter in CSS pixels per point. */
  setSizes(sizes: Float32Array): void {
    this.upload('size', sizes);
  }

  setSelected(flags: Uint8Array): void {
    this.anySelected = flags.some((f) => f !== 0);
    this.upload('selected', Float32Array.from(flags));
  }

  draw(view: View): void {
    const { gl, canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const [w, h] = [Math.max(1, Math.round(canvas.clientWidth * ratio)), Math.max(1, Math.round(canvas.clientHeight * ratio))];
    if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(this.program);
    const [sx, sy] = scaleOf(view, w, h);
    gl.uniform2f(gl.getUniformLocation(this.program, 'scale'), sx, sy);
    gl.uniform2f(gl.getUniformLocation(this.program, 'offset'), -view.cx * sx, -view.cy * sy);
    gl.uniform1f(gl.getUniformLocation(this.program, 'pixelRatio'), ratio);
    gl.uniform1f(gl.getUniformLocation(this.program, 'anySelected'), this.anySelected ? 1 : 0);
    this.bind('position', 2, gl.FLOAT, false);
    this.bind('color', 3, gl.UNSIGNED_BYTE, true);
    this.bind('size', 1, gl.FLOAT, false);
    this.bind('selected', 1, gl.FLOAT, false);
    gl.drawArrays(gl.POINTS, 0, this.count);
  }

  destroy(): void {
    const gl = this.gl;
    for (const b of Object.values(this.buffers)) gl.deleteBuffer(b);
    gl.deleteProgram(this.program);
  }

  private upload(name: keyof PointRenderer['buffers'], data: ArrayBufferView): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[name]);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
  }

  private bind(name: keyof PointRenderer['buffers'], size: number, type: number, normalized: boolean): void {
    const gl = this.gl;
    const at = gl.getAttribLocation(this.program, name);
    if (at < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[name]);
    gl.enableVertexAttribArray(at);
    gl.vertexAttribPointer(at, size, type, normalized, 0, 0);
  }
}

/** Clip-space units per data unit: the shorter side spans 2 × zoom data units. */
export function scaleOf(view: View, width: number, height: number): [number, number] {
  const s = Math.min(width, height);
  return [s / width / view.zoom, s / height / view.zoom];
}

function link(gl: WebGLRenderingContext, vs: string, fs: string): WebGLProgram {
  const compile = (type: number, src: string) => {
    const sh = gl.createShader(type)!;
    gl.shaderSource(sh, src);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(sh)}`);
    return sh;
  };
  const p = gl.createProgram()!;
  gl.attachShader(p, compile(gl.VERTEX_SHADER, vs));
  gl.attachShader(p, compile(gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(p)}`);
  return p;
}
