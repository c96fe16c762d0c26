'use strict';
module.exports = require('../../shared/doc-model.cjs');
