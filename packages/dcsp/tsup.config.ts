import { packageConfig } from '../../tools/tsup.shared';

export default packageConfig(['src/index.ts', 'src/train/index.ts']);
