// Sandboxed preload: bundled to one CommonJS file that requires only 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld('chromaInspector', createPreloadApi(ipcRenderer, window));
